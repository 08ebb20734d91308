using System.Collections.Concurrent;
using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

/// <summary>
/// The service-group decisions, as a state machine without I/O: each round takes a
/// <see cref="SupervisorView"/> and answers what to do — fence dead holders, move their instances (to
/// a hot spare of the group first, else the least-utilized eligible node), place orphans, hand
/// instances back to their preferred owner, keep spares, pick leaders, publish endpoints, rebalance,
/// scale. It remembers only what a round cannot see: when members died (the meltdown guard's
/// window), who is over high water (hysteresis), when it last balanced or scaled, which alerts it
/// raised. The director is the only one deciding, so there is never a race between peers.
/// Safety: an instance leaves a dead holder only once that holder is fenced (or, with fencing off,
/// once its lease has run out, after which its agent has stopped the jobs itself).
/// </summary>
public sealed partial class SupervisorCore
{
    private readonly Dictionary<string, List<(string Mac, DateTimeOffset At)>> _deaths = new(StringComparer.Ordinal);
    private readonly HashSet<(string Group, string Mac)> _seenDead = [];
    // Read by operators' status calls beside the rounds: concurrent collections (the rest is the round's own).
    private readonly ConcurrentDictionary<string, byte> _meltdown = new(StringComparer.Ordinal);
    private readonly HashSet<string> _alerted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rebooting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Holder, DateTimeOffset Since)> _waiting = new(StringComparer.Ordinal);

    /// <summary>Fewest members dying within the window that count as a meltdown.</summary>
    public const int MinMeltdownDeaths = 2;

    /// <summary>An intake lag this large is raised as an alert.</summary>
    public static readonly TimeSpan IntakeLagAlert = TimeSpan.FromSeconds(1);

    /// <summary>Instances of <paramref name="group"/> orphaned on their dead holder (waiting for a node that can take them).</summary>
    public IReadOnlyList<string> WaitingOrphans(string group) =>
        [.. _waiting.Keys.Where(k => k.Length > group.Length && k[group.Length] == '/' && k.StartsWith(group, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>Groups whose meltdown guard holds moves back.</summary>
    public IReadOnlyCollection<string> Meltdowns => [.. _meltdown.Keys];

    /// <summary>An operator's "resume": the guard lets the group's moves go again.</summary>
    public void Resume(string group)
    {
        _meltdown.TryRemove(group, out _);
        _deaths.Remove(group);
        _alerted.RemoveWhere(a => a.StartsWith("meltdown " + group, StringComparison.Ordinal));
    }

    public IReadOnlyList<SupervisorDecision> Decide(SupervisorView view)
    {
        var decisions = new List<SupervisorDecision>();
        var round = new Round(view);
        WatchIntakeLag(view, decisions);
        foreach (GroupView group in view.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            bool meltdown = WatchDeaths(group, round, decisions);
            if (!group.Busy)
            {
                MoveInstances(group, round, meltdown, decisions);
                KeepSpares(group, round, decisions);
                Rebalance(group, round, decisions);
                Autoscale(group, round, decisions);
            }
            ChooseLeader(group, round, decisions);
            PublishEndpoints(group, round, decisions);
        }
        RebootFencedNodes(view, decisions);
        ForgetGoneOrphans(view);
        return decisions;
    }

    /// <summary>Says once when the director's own intake lag starts shaping its judgement, and when it ends.</summary>
    private void WatchIntakeLag(SupervisorView view, List<SupervisorDecision> decisions)
    {
        if (view.IntakeLag >= IntakeLagAlert && _alerted.Add("intake-lag"))
        {
            decisions.Add(new RaiseAlert("-", "intake-lag",
                $"the director takes heartbeats in {view.IntakeLag.TotalSeconds:0.0} s late (it is overloaded or stalled): nodes' silence is judged net of it, up to {IntakeLag.Cap.TotalSeconds:0} s; give the director more CPU or fewer nodes"));
        }
        else if (view.IntakeLag < IntakeLagAlert / 2 && _alerted.Remove("intake-lag"))
        {
            decisions.Add(new RaiseAlert("-", "intake-lag-over", $"the director takes heartbeats in on time again ({view.IntakeLag.TotalSeconds:0.0} s late)"));
        }
    }

    /// <summary>Counts members that died within the window; more than the share stops moves (meltdown).</summary>
    private bool WatchDeaths(GroupView group, Round round, List<SupervisorDecision> decisions)
    {
        GroupPolicy policy = group.Policy;
        HashSet<string> members = [.. group.Instances.Where(i => i.Node is not null).Select(i => i.Node!),
            .. round.SparesOf(group.Key).Select(n => n.Mac)];
        if (!_deaths.TryGetValue(group.Key, out List<(string Mac, DateTimeOffset At)>? deaths))
        {
            _deaths[group.Key] = deaths = [];
        }
        foreach (string mac in members)
        {
            if (round.Health(mac, policy) == Health.Dead)
            {
                if (_seenDead.Add((group.Key, mac)))
                {
                    deaths.Add((mac, round.Now));
                }
            }
            else
            {
                _seenDead.Remove((group.Key, mac));
            }
        }
        deaths.RemoveAll(d => round.Now - d.At > TimeSpan.FromMilliseconds(policy.MeltdownWindowMs) && !_meltdown.ContainsKey(group.Key));
        if (policy.MeltdownSharePercent is not { } share)
        {
            return false;
        }
        int size = Math.Max(1, policy.Instances + policy.Spares);
        int stillDead = deaths.Count(d => _seenDead.Contains((group.Key, d.Mac)));
        if (_meltdown.ContainsKey(group.Key))
        {
            if (stillDead * 100 > share * size)
            {
                return true;
            }
            _meltdown.TryRemove(group.Key, out _);
            deaths.RemoveAll(d => !_seenDead.Contains((group.Key, d.Mac)));
            decisions.Add(new RaiseAlert(group.Key, "meltdown-over", $"members came back ({stillDead} of {size} still dead): moves resume"));
            _alerted.Remove("meltdown " + group.Key);
            return false;
        }
        // One death is an ordinary failover, whatever share of a small group it is: a guard that held
        // back the only member of a one-instance group would leave it down until an operator came.
        if (deaths.Count >= MinMeltdownDeaths && deaths.Count * 100 > share * size)
        {
            _meltdown[group.Key] = 0;
            if (_alerted.Add("meltdown " + group.Key))
            {
                decisions.Add(new RaiseAlert(group.Key, "meltdown",
                    $"{deaths.Count} of {size} members died within {policy.MeltdownWindowMs / 1000.0:0.#} s (more than {share} %): moving no work until they come back or an operator resumes the group"));
            }
            return true;
        }
        return false;
    }

    private void MoveInstances(GroupView group, Round round, bool meltdown, List<SupervisorDecision> decisions)
    {
        GroupPolicy policy = group.Policy;
        foreach (InstanceView instance in group.Instances.Where(i => !i.Moving && i.Status != InstanceStatus.Stopping).OrderBy(i => i.Index))
        {
            if (instance.Node is not { } holder)
            {
                PlaceOrphan(group, instance, round, decisions);
                continue;
            }
            NodeView? node = round.Nodes.GetValueOrDefault(holder);
            Health health = round.Health(holder, policy);
            if (health == Health.Dead || node is { Fenced: true })
            {
                FailOver(group, instance, holder, node, meltdown, round, decisions);
                continue;
            }
            if (_waiting.TryRemove(instance.Key, out (string Holder, DateTimeOffset Since) waited) && waited.Holder == holder && health == Health.Alive && !instance.Lost)
            {
                decisions.Add(new ReclaimInstance(group.Key, instance.Key, holder,
                    $"{holder} answers again and still runs {instance.Key}: no longer orphaned (after {(round.Now - waited.Since).TotalSeconds:0.0} s)"));
            }
            if (health == Health.Alive && instance.Lost && node is { Fenced: false })
            {
                decisions.Add(new MoveInstance(group.Key, instance.Key, holder, holder, MoveKind.Restore, $"{holder} is back but no longer runs {instance.Key}: applying it there again"));
                continue;
            }
            if (health == Health.Alive && instance.FailingSince is { } failing && round.Now - failing >= TimeSpan.FromMilliseconds(policy.FailingAfterMs) && !meltdown)
            {
                if (round.Choose(group, instance, exclude: holder) is { } target)
                {
                    round.Take(target.Mac);
                    decisions.Add(new MoveInstance(group.Key, instance.Key, holder, target.Mac, MoveKind.Failing,
                        $"its jobs kept failing on {holder} for {(round.Now - failing).TotalSeconds:0} s (restarted in place meanwhile): moving to {Why(group, target)}"));
                }
                continue;
            }
            if (policy.GiveBack && health == Health.Alive && instance.PreferredNode is { } preferred && preferred != holder
                && round.Nodes.GetValueOrDefault(preferred) is { } owner && round.Eligible(group, owner) && !round.Taken(preferred))
            {
                round.Take(preferred);
                decisions.Add(new MoveInstance(group.Key, instance.Key, holder, preferred, MoveKind.GiveBack, $"its preferred owner {preferred} is back: {holder} releases it"));
            }
        }
    }

    private void PlaceOrphan(GroupView group, InstanceView instance, Round round, List<SupervisorDecision> decisions)
    {
        if (round.Choose(group, instance, exclude: null) is { } target)
        {
            round.Take(target.Mac);
            _alerted.Remove("orphan " + instance.Key);
            decisions.Add(new MoveInstance(group.Key, instance.Key, null, target.Mac, MoveKind.Placement, $"orphaned; capacity appeared: {Why(group, target)}"));
            return;
        }
        if (instance.OrphanedAt is { } since && round.Now - since >= TimeSpan.FromMilliseconds(group.Policy.OrphanAlertMs) && _alerted.Add("orphan " + instance.Key))
        {
            decisions.Add(new RaiseAlert(group.Key, "orphan", $"{instance.Key} has had no node for {(round.Now - since).TotalSeconds:0} s: boot or label a node that fits the group"));
        }
    }

    /// <summary>
    /// A dead (or fenced) holder's instance. The fence goes only before a move: when the meltdown guard
    /// holds the group or no node can take the instance, nothing moves, so nothing is fenced — the instance
    /// waits on its holder (an orphan, reported once), and a holder that was only late, as when the director
    /// itself falls behind in a mass failure, keeps its disk and its instance. Fencing then would turn a
    /// late node into a lost one and feed the cascade the guard is there to stop.
    /// </summary>
    private void FailOver(GroupView group, InstanceView instance, string holder, NodeView? node, bool meltdown, Round round, List<SupervisorDecision> decisions)
    {
        if (meltdown)
        {
            return;
        }
        GroupPolicy policy = group.Policy;
        bool fenced = node is { Fenced: true };
        if (round.Choose(group, instance, exclude: holder) is not { } target)
        {
            // Remembered here, not written: nothing about the instance changes while it waits, and a holder
            // that was only late comes back within seconds (at 10,000 nodes, thousands of them at once).
            if (_waiting.TryGetValue(instance.Key, out (string Holder, DateTimeOffset Since) waiting) && waiting.Holder == holder)
            {
                if (round.Now - waiting.Since >= TimeSpan.FromMilliseconds(policy.OrphanAlertMs) && _alerted.Add("orphan " + instance.Key))
                {
                    decisions.Add(new RaiseAlert(group.Key, "orphan", $"{instance.Key} has had no live node for {(round.Now - waiting.Since).TotalSeconds:0} s: boot or label a node that fits the group"));
                }
                return;
            }
            _waiting[instance.Key] = (holder, round.Now);
            string cause = fenced ? $"{holder} is fenced" : $"{holder} missed {policy.DeadAfter} heartbeats ({Seen(node, round.IntakeLag)})";
            decisions.Add(new OrphanInstance(group.Key, instance.Key, holder,
                $"{cause}, and no eligible node can take {instance.Key}: orphaned until one can (it stays on {holder}, which is fenced only when the instance moves)"));
            return;
        }
        if (_waiting.TryRemove(instance.Key, out _))
        {
            _alerted.Remove("orphan " + instance.Key);
        }
        // The fence comes first in the round's decisions and the executor carries it out before it starts
        // any move, so the instance moves in this very round.
        bool fencedNow = policy.Fence && !fenced;
        if (fencedNow && round.Fencing.Add(holder))
        {
            decisions.Add(new FenceNode(group.Key, holder, $"{holder} missed {policy.DeadAfter} heartbeats ({Seen(node, round.IntakeLag)}): fenced before {instance.Key} moves"));
        }
        if (!fencedNow && !fenced && node?.SinceLastSeen is { } since && since < TimeSpan.FromMilliseconds(policy.LeaseMs))
        {
            return; // no fence: its agent stops the jobs once its lease runs out
        }
        round.Take(target.Mac);
        string why = fenced || fencedNow ? $"{holder} is fenced" : $"{holder} is dead and its lease ran out";
        decisions.Add(new MoveInstance(group.Key, instance.Key, holder, target.Mac, MoveKind.Failover, $"{why}: {instance.Key} moves to {Why(group, target)}"));
    }

    /// <summary>An orphan whose group is gone (its deployment deleted) waits for nothing.</summary>
    private void ForgetGoneOrphans(SupervisorView view)
    {
        if (_waiting.IsEmpty)
        {
            return;
        }
        HashSet<string> instances = [.. view.Groups.SelectMany(g => g.Instances).Select(i => i.Key)];
        foreach (string key in _waiting.Keys.Where(k => !instances.Contains(k)))
        {
            _waiting.TryRemove(key, out _);
        }
    }

    /// <summary>A fenced node that talks to the director again (a healed partition) has lost its disk:
    /// only a reboot brings it back, and its PXE boot lifts the fence.</summary>
    private void RebootFencedNodes(SupervisorView view, List<SupervisorDecision> decisions)
    {
        foreach (NodeView node in view.Nodes)
        {
            if (!node.Fenced)
            {
                _rebooting.Remove(node.Mac);
            }
            else if (node.Registered && node.SinceLastSeen < TimeSpan.FromSeconds(2) && _rebooting.Add(node.Mac))
            {
                decisions.Add(new RebootNode("-", node.Mac, $"{node.Mac} is fenced but answers again (a healed partition): rebooting it; its boot lifts the fence"));
            }
        }
    }

    private static string Why(GroupView group, NodeView target) =>
        target.SpareFor == group.Key ? $"hot spare {target.Mac}" : $"{target.Mac} (least utilized eligible node, {target.Load.Of(group.Policy.Metric) * 100:0} % {group.Policy.Metric})";

    private static string Seen(NodeView? node, TimeSpan intakeLag) =>
        node?.SinceLastSeen is not { } since ? "never seen by this director"
        : intakeLag > TimeSpan.Zero ? $"last seen {since.TotalSeconds:0.0} s ago, {intakeLag.TotalSeconds:0.0} s of it the director's own intake lag"
        : $"last seen {since.TotalSeconds:0.0} s ago";
}
