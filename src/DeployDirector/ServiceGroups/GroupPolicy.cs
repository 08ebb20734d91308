namespace DeployDirector.ServiceGroups;

/// <summary>
/// What the supervisor needs to know of one instance group's manifest: its size, spares, failover
/// timings and load-balancing marks. Times in milliseconds, shares in percent.
/// </summary>
public sealed record GroupPolicy
{
    public int Instances { get; init; }

    public int Spares { get; init; }

    public int HeartbeatMs { get; init; } = 1000;

    public int SuspectAfter { get; init; } = 2;

    public int DeadAfter { get; init; } = 3;

    public int LeaseMs { get; init; } = 10_000;

    public bool Fence { get; init; } = true;

    public bool GiveBack { get; init; }

    public int FailingAfterMs { get; init; } = 10_000;

    public int OrphanAlertMs { get; init; } = 300_000;

    /// <summary>Null: no meltdown guard.</summary>
    public int? MeltdownSharePercent { get; init; } = 50;

    public int MeltdownWindowMs { get; init; } = 30_000;

    /// <summary>cpu, memory or job.</summary>
    public string Metric { get; init; } = "cpu";

    public int HighWaterPercent { get; init; } = 80;

    public int LowWaterPercent { get; init; } = 50;

    public int MinAvailable { get; init; } = 1;

    public int BalanceIntervalMs { get; init; } = 10_000;

    public int MaxMoves { get; init; }

    public ScalePolicy? Autoscale { get; init; }

    public TimeSpan SuspectTime => TimeSpan.FromMilliseconds((long)HeartbeatMs * SuspectAfter);

    public TimeSpan DeadTime => TimeSpan.FromMilliseconds((long)HeartbeatMs * DeadAfter);
}

/// <summary>A group's autoscaling: instances between <see cref="Min"/> and <see cref="Max"/>.</summary>
public sealed record ScalePolicy(int Min, int Max, int ScaleOutAbovePercent, int ScaleInBelowPercent, int CooldownMs, bool DeleteReleased);
