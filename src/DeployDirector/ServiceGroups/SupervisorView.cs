using DeployDirector.State;

namespace DeployDirector.ServiceGroups;

/// <summary>Everything the supervisor decides from, taken at one moment: desired state from the store,
/// liveness and load from the agent hub, fences from the storage path.</summary>
public sealed record SupervisorView(DateTimeOffset Now, IReadOnlyList<GroupView> Groups, IReadOnlyList<NodeView> Nodes)
{
    /// <summary>How late the director itself takes heartbeats in (<see cref="ServiceGroups.IntakeLag"/>):
    /// nodes' silence is judged net of it.</summary>
    public TimeSpan IntakeLag { get; init; }
}

/// <summary>One service group (an instance group of a deployment).</summary>
/// <param name="Fits">Whether a node's labels and hardware suit the group (placement's feasibility).</param>
/// <param name="Leader">The instance key the director made leader, if any.</param>
/// <param name="Busy">A deploy or delete holds the deployment: its instances are not moved meanwhile.</param>
public sealed record GroupView(string Deployment, string Group, GroupPolicy Policy, Func<NodeView, bool> Fits, IReadOnlyList<InstanceView> Instances, string? Leader, bool Busy = false)
{
    public string Key => $"{Deployment}/{Group}";
}

/// <summary>One instance and where it is.</summary>
/// <param name="Node">Its holder (null while orphaned).</param>
/// <param name="PreferredNode">The node it was first placed on (give-back returns it there).</param>
/// <param name="Moving">A move of it is in flight: decided once, not again until it ends.</param>
/// <param name="FailingSince">Since when its holder reports it failing (jobs crash-looping), if so.</param>
public sealed record InstanceView(
    string Key, int Index, string? Node, long Epoch, InstanceStatus Status, string? PreferredNode, DateTimeOffset? OrphanedAt, bool Moving, DateTimeOffset? FailingSince)
{
    /// <summary>A node a move of it just failed on: not chosen again for a while.</summary>
    public string? Avoid { get; init; }

    /// <summary>Its holder is registered and alive but does not report it (the node rebooted quickly).</summary>
    public bool Lost { get; init; }
}

/// <summary>One stem-cell node.</summary>
/// <param name="SinceLastSeen">Since its agent's last contact with this director; null if it has none.</param>
/// <param name="HeldBy">The instance key it holds (a node holds at most one).</param>
/// <param name="SpareFor">The group key it is a hot spare for.</param>
/// <param name="Prepared">Instance keys whose archives it holds prepared (a spare's copies).</param>
public sealed record NodeView(
    string Mac,
    TimeSpan? SinceLastSeen,
    bool Quiesced,
    bool Fenced,
    Utilization Load,
    IReadOnlyDictionary<string, string> Labels,
    int Cores,
    long MemoryBytes,
    string? HeldBy,
    string? SpareFor,
    IReadOnlyCollection<string> Prepared)
{
    /// <summary>Its agent is registered with this director process (only such nodes take work).</summary>
    public bool Registered { get; init; } = true;

    /// <summary>The address its agent registered with (endpoint lists and DNS give it out).</summary>
    public string? Address { get; init; }
}

/// <summary>Load over capacity, 0..1 per metric (null when the node reports none).</summary>
public sealed record Utilization(double Cpu, double Memory, double? Job)
{
    public static Utilization Idle { get; } = new(0, 0, null);

    public double Of(string metric) => metric switch
    {
        "memory" => Memory,
        "job" => Job ?? Cpu,
        _ => Cpu,
    };
}
