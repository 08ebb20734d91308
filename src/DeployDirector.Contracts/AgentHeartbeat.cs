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

/// <summary>Load and capacity figures, read from the host (/proc/stat, /proc/meminfo).</summary>
/// <param name="CpuLoad">CPU utilization as a share (0..1) of all the node's cores over the last heartbeat interval
/// (since boot in the first heartbeat).</param>
/// <param name="JobLoad">The highest job-reported figure (0..1) among running jobs that write one (a file named
/// <c>load</c> in the job directory holding a number 0..1); null when none does.</param>
public sealed record LoadReport(double CpuLoad, int Cores, long MemoryUsedBytes, long MemoryTotalBytes, double? JobLoad);

/// <summary>The director's answer to a heartbeat.</summary>
/// <param name="LeaseMs">The lease, renewed from now.</param>
/// <param name="CommandsWaiting">True when commands are queued: poll now.</param>
/// <param name="HeartbeatIntervalMs">When present, the agent heartbeats at this interval from now on (bounded to
/// <see cref="AgentProtocol.MinHeartbeatIntervalMs"/>..<see cref="AgentProtocol.MaxHeartbeatIntervalMs"/>): a service
/// group may ask its members for faster heartbeats than the registration's.</param>
public sealed record HeartbeatAck(int LeaseMs, bool CommandsWaiting, int? HeartbeatIntervalMs = null);
