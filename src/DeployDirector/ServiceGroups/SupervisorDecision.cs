namespace DeployDirector.ServiceGroups;

/// <summary>What the supervisor decided in a round, with the reason in words (every decision is an event).</summary>
public abstract record SupervisorDecision(string Group, string Reason);

/// <summary>Cut a dead node off its disk before its instances move.</summary>
public sealed record FenceNode(string Group, string Mac, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>Reboot a fenced node that answers again: its disk is cut, and its boot lifts the fence.</summary>
public sealed record RebootNode(string Group, string Mac, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>Give an instance a new holder (from null: an orphan placed). <paramref name="From"/> alive means
/// the instance is stopped there first.</summary>
public sealed record MoveInstance(string Group, string Instance, string? From, string To, MoveKind Kind, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>No node can take it now: it waits with a countdown and is placed when capacity appears. With a
/// dead holder <paramref name="From"/>, nothing is written: the instance stays recorded on that holder at the
/// same epoch and the holder is not fenced yet (a fence guards a move, and there is none to guard; a holder
/// that was only late keeps its disk and its instance). When a node can take it, the holder is fenced and
/// the instance moves; if the holder answers first, it is reclaimed there. With no holder (a move that
/// failed) the record has no node and a new epoch.</summary>
public sealed record OrphanInstance(string Group, string Instance, string? From, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>An orphan's holder answers again and still runs it: it is no longer an orphan.</summary>
public sealed record ReclaimInstance(string Group, string Instance, string Holder, string Reason) : SupervisorDecision(Group, Reason);

public sealed record DesignateSpare(string Group, string Mac, string Reason) : SupervisorDecision(Group, Reason);

public sealed record ReleaseSpare(string Group, string Mac, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>A new leader (null: none can lead now).</summary>
public sealed record AssignLeader(string Group, string? Instance, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>The group's available members changed.</summary>
public sealed record EndpointsChanged(string Group, IReadOnlyList<string> Available, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>Something an operator must look at (meltdown, long orphan).</summary>
public sealed record RaiseAlert(string Group, string Alert, string Reason) : SupervisorDecision(Group, Reason);

/// <summary>Add (positive) or remove instances of the group (autoscaling).</summary>
public sealed record ScaleGroup(string Group, int Instances, string Reason) : SupervisorDecision(Group, Reason);

public enum MoveKind
{
    /// <summary>Its holder died.</summary>
    Failover,
    /// <summary>Its jobs kept failing on a live host.</summary>
    Failing,
    /// <summary>It had no node and one appeared.</summary>
    Placement,
    /// <summary>Back to its preferred owner.</summary>
    GiveBack,
    /// <summary>From a node over high water to one under low water.</summary>
    Rebalance,
    /// <summary>Its holder came back without it (a quick reboot): applied there again.</summary>
    Restore,
}
