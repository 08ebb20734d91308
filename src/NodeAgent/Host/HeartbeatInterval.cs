using DeployDirector.Contracts;

namespace NodeAgent.Host;

/// <summary>The heartbeat interval the director names, held to the protocol's bounds so that no answer can make
/// the agent flood the director or go quiet past any lease.</summary>
internal static class HeartbeatInterval
{
    /// <summary>The interval when the director names none (or a meaningless one: zero or less).</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(1);

    public static TimeSpan FromRegistration(int milliseconds) => FromAck(milliseconds) ?? Default;

    /// <summary>The interval to wait: the named one, but at most half the lease (never below the lower bound), so
    /// that a director naming an interval longer than its lease cannot make the agent's own lease lapse between
    /// two heartbeats and stop its jobs.</summary>
    public static TimeSpan Within(TimeSpan interval, TimeSpan lease)
    {
        var cap = TimeSpan.FromTicks(Math.Max(lease.Ticks / 2, TimeSpan.FromMilliseconds(AgentProtocol.MinHeartbeatIntervalMs).Ticks));
        return interval < cap ? interval : cap;
    }

    /// <summary>The interval to use from now on, or null to keep the current one.</summary>
    public static TimeSpan? FromAck(int? milliseconds) =>
        milliseconds is { } ms && ms > 0
            ? TimeSpan.FromMilliseconds(Math.Clamp(ms, AgentProtocol.MinHeartbeatIntervalMs, AgentProtocol.MaxHeartbeatIntervalMs))
            : null;
}
