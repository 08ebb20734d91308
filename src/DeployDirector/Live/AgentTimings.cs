namespace DeployDirector.Live;

/// <summary>How often agents heartbeat, how long their lease lasts, when the director counts one dead.</summary>
public sealed record AgentTimings(TimeSpan HeartbeatInterval, TimeSpan Lease, TimeSpan DeadAfter)
{
    /// <summary>1 s heartbeats; dead after 3 s of silence; an agent stops its jobs after 10 s without the director.</summary>
    public static AgentTimings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
}
