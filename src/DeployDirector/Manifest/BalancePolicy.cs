namespace DeployDirector.Manifest;

/// <summary>How a service group's load is spread over its nodes; utilization is load / capacity of
/// <see cref="Metric"/>.</summary>
/// <param name="Metric"><c>cpu</c>, <c>memory</c> or <c>job</c>.</param>
/// <param name="HighWaterPercent">A node above this is over loaded (1 to 100).</param>
/// <param name="LowWaterPercent">Moves aim below this (less than <paramref name="HighWaterPercent"/>).</param>
/// <param name="MinAvailable">The group's endpoints are never fewer than this (at most its instances).</param>
/// <param name="IntervalMs">The time between rebalance rounds.</param>
/// <param name="MaxMoves">Instances moved per round from nodes over high water (0: balance only by placement).</param>
public sealed record BalancePolicy(string Metric, int HighWaterPercent, int LowWaterPercent, int MinAvailable, int IntervalMs, int MaxMoves)
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Job = "job";

    /// <summary>The policy of a group that says nothing; a group of 0 instances gets <see cref="MinAvailable"/> 0.</summary>
    public static BalancePolicy Default { get; } = new(Cpu, 80, 50, 1, 10_000, 0);
}
