using System.Collections.Concurrent;
using DeployDirector.Contracts;

namespace DeployDirector.Live;

/// <summary>
/// Live state of every agent, in memory: high-rate (a heartbeat a second per node), rebuilt from
/// agents' registrations after a director restart. Heartbeats cost a dictionary lookup and a few
/// field writes; commands go through each agent's bounded queue and are collected by its long poll.
/// </summary>
public sealed class AgentHub(TimeProvider clock, AgentTimings timings)
{
    private readonly ConcurrentDictionary<string, LiveAgent> _agents = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<string, int> _intervals = new(StringComparer.Ordinal);

    public AgentTimings Timings => timings;

    /// <summary>Raised after an agent registers (a boot, an agent restart, or a director restart).</summary>
    public event Action<LiveAgent>? Registered;

    public LiveAgent? Find(string mac) => _agents.TryGetValue(mac, out LiveAgent? agent) ? agent : null;

    public IReadOnlyCollection<LiveAgent> All => [.. _agents.Values];

    public int Count => _agents.Count;

    public RegistrationAck Register(string mac, AgentRegistration registration)
    {
        // JSON that leaves a list out gives null, whatever the record's initializer says.
        registration = registration with { Instances = Normalize(registration.Instances) };
        var agent = new LiveAgent(mac, registration, clock.GetTimestamp());
        if (_agents.TryGetValue(mac, out LiveAgent? previous))
        {
            previous.Abandon(previous.BootId == registration.BootId ? "the agent registered again" : "the node rebooted");
        }
        _agents[mac] = agent;
        Registered?.Invoke(agent);
        return new RegistrationAck(mac, (int)timings.HeartbeatInterval.TotalMilliseconds, (int)timings.Lease.TotalMilliseconds);
    }

    /// <summary>Records a heartbeat; null when the agent must register again (unknown, or another boot).</summary>
    public HeartbeatAck? Heartbeat(string mac, AgentHeartbeat heartbeat)
    {
        if (!_agents.TryGetValue(mac, out LiveAgent? agent) || agent.BootId != heartbeat.BootId)
        {
            return null;
        }
        agent.LastSeen = clock.GetTimestamp();
        agent.Sequence = heartbeat.Sequence;
        // A report like the last one keeps the last one's objects, so the new ones die young: at 10,000
        // nodes, a beat's objects replaced every second each outlive a collection and are promoted.
        if (agent.Load != heartbeat.Load)
        {
            agent.Load = heartbeat.Load;
        }
        IReadOnlyList<InstanceState> instances = Normalize(heartbeat.Instances);
        if (!SameReport(agent.Instances, instances))
        {
            agent.Instances = instances;
        }
        return new HeartbeatAck((int)timings.Lease.TotalMilliseconds, agent.Queue.Reader.Count > 0, _intervals.TryGetValue(mac, out int interval) ? interval : null);
    }

    private static bool SameReport(IReadOnlyList<InstanceState> last, IReadOnlyList<InstanceState> now)
    {
        if (last.Count != now.Count)
        {
            return false;
        }
        for (int i = 0; i < last.Count; i++)
        {
            InstanceState a = last[i], b = now[i];
            if (a.Instance != b.Instance || a.ArchiveSha256 != b.ArchiveSha256 || a.Phase != b.Phase || !a.Jobs.SequenceEqual(b.Jobs))
            {
                return false;
            }
        }
        return true;
    }

    private static IReadOnlyList<InstanceState> Normalize(IReadOnlyList<InstanceState>? instances) =>
        instances is null ? [] : [.. instances.Where(i => i?.Instance is not null).Select(i => i.Jobs is null ? i with { Jobs = [] } : i)];

    /// <summary>Asks a node to heartbeat at <paramref name="intervalMs"/> (a service group's failover timing);
    /// null goes back to the director's default.</summary>
    public void SetHeartbeatInterval(string mac, int? intervalMs)
    {
        if (intervalMs is { } ms)
        {
            _intervals[mac] = ms;
        }
        else
        {
            _intervals.TryRemove(mac, out _);
        }
    }

    /// <summary>The interval a node was asked to heartbeat at.</summary>
    public TimeSpan HeartbeatInterval(string mac) => _intervals.TryGetValue(mac, out int ms) ? TimeSpan.FromMilliseconds(ms) : timings.HeartbeatInterval;

    /// <summary>How long since the agent's last contact with this director process; null if none yet.</summary>
    public TimeSpan? SinceLastSeen(string mac) => _agents.TryGetValue(mac, out LiveAgent? agent) ? clock.GetElapsedTime(agent.LastSeen) : null;

    /// <summary>True while the agent's last contact is within <see cref="AgentTimings.DeadAfter"/>.</summary>
    public bool IsAlive(string mac) =>
        _agents.TryGetValue(mac, out LiveAgent? agent) && clock.GetElapsedTime(agent.LastSeen) < timings.DeadAfter;

    /// <summary>Queues a command and waits for its result (or <paramref name="timeout"/>).</summary>
    public async Task<CommandResult> SendAsync(string mac, AgentCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_agents.TryGetValue(mac, out LiveAgent? agent))
        {
            return new CommandResult(command.Id, false, "agent_gone", $"node {mac} has no registered agent", null, null, null);
        }
        var result = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Pending[command.Id] = result;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await agent.Queue.Writer.WriteAsync(command, deadline.Token).ConfigureAwait(false);
            return await result.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CommandResult(command.Id, false, "timeout", $"node {mac} did not answer '{command.Kind}' within {timeout.TotalSeconds:0} s", null, null, null);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // This boot was abandoned between finding it and queueing the command, possibly before the
            // command was pending, so nothing else may ever answer it.
            result.TrySetResult(new CommandResult(command.Id, false, "agent_gone", $"node {mac}'s agent registered again before it took '{command.Kind}'", null, null, null));
            return await result.Task.ConfigureAwait(false);
        }
        finally
        {
            agent.Pending.TryRemove(command.Id, out _);
        }
    }

    /// <summary>The agent's long poll: the commands queued for it, waiting up to <paramref name="waitMs"/>
    /// for the first. Null when the agent must register again.</summary>
    public async Task<AgentCommand[]?> PollAsync(string mac, string? bootId, int waitMs, CancellationToken cancellationToken)
    {
        if (!_agents.TryGetValue(mac, out LiveAgent? agent) || (bootId is not null && agent.BootId != bootId))
        {
            return null;
        }
        agent.LastSeen = clock.GetTimestamp();
        var commands = new List<AgentCommand>();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        wait.CancelAfter(Math.Clamp(waitMs, 0, AgentProtocol.MaxWaitMs));
        try
        {
            if (await agent.Queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                while (commands.Count < 16 && agent.Queue.Reader.TryRead(out AgentCommand? command))
                {
                    commands.Add(command);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return [.. commands];
    }

    /// <summary>The server is stopping: every long poll answers now (agents poll again, elsewhere or later).</summary>
    public void Shutdown() => _shutdown.Cancel();

    /// <summary>An agent's result for a command; false when nothing waits for it (late or unknown).</summary>
    public bool Complete(string mac, CommandResult result) =>
        _agents.TryGetValue(mac, out LiveAgent? agent) && agent.Pending.TryRemove(result.CommandId, out TaskCompletionSource<CommandResult>? waiting)
        && waiting.TrySetResult(result);

    /// <summary>Forgets an agent (its node was deleted); waiting commands fail.</summary>
    public void Remove(string mac)
    {
        if (_agents.TryRemove(mac, out LiveAgent? agent))
        {
            agent.Abandon("the node was removed");
        }
    }
}
