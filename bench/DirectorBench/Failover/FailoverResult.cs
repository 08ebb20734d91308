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
    MassFailure Mass,
    int RequestErrors)
{
    /// <summary>Requests of live nodes the director did not answer within their time.</summary>
    public int TimedOut { get; init; }
}

/// <summary>A tenth of every group's nodes killed at once, watched for <see cref="WindowSeconds"/>: the
/// director process's figures, and per meltdown setting what its groups did.</summary>
internal sealed record MassFailure(
    int Killed,
    int Decisions,
    double DecisionSpanSeconds,
    string DecisionKinds,
    double CpuPerSecond,
    double MaxWorkingSetMiB,
    double WindowSeconds,
    IReadOnlyList<GuardOutcome> ByGuard)
{
    public double DecisionsPerSecond => DecisionSpanSeconds > 0 ? Decisions / DecisionSpanSeconds : double.NaN;

    /// <summary>Nodes fenced that were not killed (their heartbeats came in too late).</summary>
    public int LiveFenced { get; init; }

    /// <summary>Nodes not killed that a decision treated as dead (fenced, their instance orphaned, or
    /// released as a spare).</summary>
    public int LiveJudgedDead { get; init; }

    /// <summary>Heartbeats of live nodes answered more than 1 s (and 3 s, dead_after) after they were sent, and the latest.</summary>
    public int BeatsLate1s { get; init; }

    public int BeatsLate3s { get; init; }

    public double LatestBeatSeconds { get; init; }
}

/// <summary>The groups under one meltdown setting in a mass failure.</summary>
internal sealed record GuardOutcome(
    string Guard,
    int Groups,
    int Killed,
    int Movable,
    int Recovered,
    double AllMovableSeconds,
    int Moves,
    int Orphaned,
    int GroupsAlerted);
