using DeployDirector.State;

namespace DeployDirector.Planning;

/// <summary>What placement decided: where every wanted instance goes, which instances go away, and
/// how many more nodes each group needs when the idle ones do not suffice.</summary>
public sealed record PlacementPlan(IReadOnlyList<PlacedInstance> Instances, IReadOnlyList<InstanceRecord> Removed, IReadOnlyList<Shortfall> Shortfalls)
{
    public bool Complete => Shortfalls.Count == 0;
}

/// <summary>A wanted instance and its node (null while no node can take it).</summary>
/// <param name="Existing">Its record when it exists already.</param>
/// <param name="Moved">True when it leaves the node it had (that node no longer fits the group).</param>
public sealed record PlacedInstance(string Group, int Index, InstanceRecord? Existing, string? Node, bool Moved);

/// <summary>A group lacks <see cref="Missing"/> nodes that fit it.</summary>
public sealed record Shortfall(string Group, int Missing, string Needs);
