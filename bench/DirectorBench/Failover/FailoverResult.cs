namespace DirectorBench.Failover;

/// <summary>One failover run: set-up, steady state, single kills (seconds from each killed node's last
/// heartbeat to its instance reported running on its new holder) and one mass failure.</summary>
internal sealed record FailoverResult(
    int Agents,
    int Groups,
    string Meltdown,
    double BootSeconds,
    double DeploySeconds,
    double SteadyCpuPerSecond,
    double SteadyWorkingSetMiB,
    double[] KillSeconds,
    int KillsNotRecovered,
    MassFailure Mass);

/// <summary>A tenth of every group's nodes killed at once, watched for <see cref="WindowSeconds"/>.</summary>
internal sealed record MassFailure(
    int Killed,
    int Movable,
    int Recovered,
    double AllMovableSeconds,
    int Decisions,
    double DecisionSpanSeconds,
    int Moves,
    int Orphaned,
    bool MeltdownAlert,
    string DecisionKinds,
    double CpuPerSecond,
    double MaxWorkingSetMiB,
    double WindowSeconds)
{
    public double DecisionsPerSecond => DecisionSpanSeconds > 0 ? Decisions / DecisionSpanSeconds : double.NaN;
}
