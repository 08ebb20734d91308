namespace DeployDirector.Manifest;

/// <summary>When more than <see cref="SharePercent"/> of a group's members die within <see cref="WindowMs"/>,
/// the failure is the director's view of the network rather than the nodes: failover stops moving work
/// and raises an alert.</summary>
/// <param name="SharePercent">1 to 100: the share of the group's members that must die (more than it).</param>
/// <param name="WindowMs">The sliding window the deaths are counted over.</param>
public sealed record MeltdownGuard(int SharePercent, int WindowMs);
