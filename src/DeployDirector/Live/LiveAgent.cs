using System.Collections.Concurrent;
using System.Threading.Channels;
using DeployDirector.Contracts;

namespace DeployDirector.Live;

/// <summary>
/// One agent's live state for the boot it registered with: last heartbeat, load, reported instances,
/// its queue of commands (bounded: a node that stops polling cannot make the director hold more) and
/// the commands waiting for a result.
/// </summary>
public sealed class LiveAgent
{
    public const int MaxQueuedCommands = 64;

    internal LiveAgent(string mac, AgentRegistration registration, long now)
    {
        Mac = mac;
        Registration = registration;
        Instances = registration.Instances;
        LastSeen = now;
    }

    public string Mac { get; }

    public AgentRegistration Registration { get; }

    public string BootId => Registration.BootId;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last registration or heartbeat.</summary>
    public long LastSeen { get; internal set; }

    public long Sequence { get; internal set; }

    public LoadReport? Load { get; internal set; }

    public IReadOnlyList<InstanceState> Instances { get; internal set; }

    internal Channel<AgentCommand> Queue { get; } = Channel.CreateBounded<AgentCommand>(new BoundedChannelOptions(MaxQueuedCommands)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
    });

    internal ConcurrentDictionary<string, TaskCompletionSource<CommandResult>> Pending { get; } = new(StringComparer.Ordinal);

    /// <summary>Fails every command still waiting: this boot of the agent will not answer them.</summary>
    internal void Abandon(string reason)
    {
        Queue.Writer.TryComplete();
        foreach (KeyValuePair<string, TaskCompletionSource<CommandResult>> pending in Pending)
        {
            pending.Value.TrySetResult(new CommandResult(pending.Key, false, "agent_gone", reason, null, null, null));
        }
        Pending.Clear();
    }
}
