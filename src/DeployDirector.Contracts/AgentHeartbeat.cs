namespace DeployDirector.Contracts;

/// <summary>A heartbeat: liveness, load and capacity, and the state of every instance on the node.</summary>
public sealed record AgentHeartbeat
{
    public required string BootId { get; init; }

    /// <summary>Increases by one per heartbeat of this boot.</summary>
    public required long Sequence { get; init; }

    public required LoadReport Load { get; init; }

    public IReadOnlyList<InstanceState> Instances { get; init; } = [];
}

/// <summary>Load and capacity figures. <see cref="JobLoad"/> is a job-reported figure (0..1) when a job
/// writes one (a file named <c>load</c> in its job directory).</summary>
public sealed record LoadReport(double CpuLoad, int Cores, long MemoryUsedBytes, long MemoryTotalBytes, double? JobLoad);

/// <summary>The director's answer to a heartbeat.</summary>
/// <param name="LeaseMs">The lease, renewed from now.</param>
/// <param name="CommandsWaiting">True when commands are queued: poll now.</param>
public sealed record HeartbeatAck(int LeaseMs, bool CommandsWaiting);
