using System.Collections.Concurrent;
using DeployDirector.Contracts;

namespace Ubd.Tests;

/// <summary>
/// A node's agent in process, speaking to the director's hub as the real one speaks HTTP: it boots
/// (the tree registers the node and the director issues its credential), registers, heartbeats and
/// answers commands at once — prepare, apply and start succeed, a started instance runs a healthy
/// job, stop removes when asked. Enough to deploy a service group behind the API.
/// </summary>
public sealed class TestAgent : IAsyncDisposable
{
    private readonly DeployDirector.DirectorSetup _director;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly string _bootId = Guid.NewGuid().ToString();
    private Task _loops = Task.CompletedTask;
    private long _sequence;

    private TestAgent(DeployDirector.DirectorSetup director, string mac, string address)
    {
        _director = director;
        Mac = mac;
        Address = address;
    }

    public string Mac { get; }

    public string Address { get; }

    public static TestAgent Boot(DeployDirector.DirectorSetup director, string mac, string address, string edition)
    {
        var agent = new TestAgent(director, mac, address);
        director.Context.Tree.BootNode(mac, edition);
        director.Context.Nodes.IssueCredential(mac);
        agent.Register();
        agent._loops = Task.WhenAll(Task.Run(agent.HeartbeatLoopAsync), Task.Run(agent.PollLoopAsync));
        return agent;
    }

    private void Register() => _director.Context.Nodes.Register(Mac, new AgentRegistration
    {
        Mac = Mac,
        BootId = _bootId,
        AgentVersion = "test",
        Address = Address,
        Cores = 2,
        MemoryBytes = 1L << 30,
        Instances = [.. _instances.Values],
    });

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var beat = new AgentHeartbeat
            {
                BootId = _bootId,
                Sequence = Interlocked.Increment(ref _sequence),
                Load = new LoadReport(0.25, 2, 1 << 20, 1L << 30, null),
                Instances = [.. _instances.Values],
            };
            if (_director.Context.Hub.Heartbeat(Mac, beat) is null)
            {
                Register();
            }
            try
            {
                await Task.Delay(50, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PollLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            AgentCommand[]? commands;
            try
            {
                commands = await _director.Context.Hub.PollAsync(Mac, _bootId, 1000, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (commands is null)
            {
                Register();
                continue;
            }
            foreach (AgentCommand command in commands)
            {
                _director.Context.Hub.Complete(Mac, Run(command));
            }
        }
    }

    private CommandResult Run(AgentCommand command)
    {
        InstanceRef? instance = command.Instance;
        switch (command.Kind)
        {
            case CommandKind.Prepare:
                _instances[instance!.Id] = new InstanceState { Instance = instance, ArchiveSha256 = command.ArchiveSha256!, Phase = InstancePhase.Prepared };
                break;
            case CommandKind.Apply:
                _instances[instance!.Id] = new InstanceState
                {
                    Instance = instance,
                    ArchiveSha256 = command.ArchiveSha256 ?? _instances[instance.Id].ArchiveSha256,
                    Phase = InstancePhase.Applied,
                };
                break;
            case CommandKind.Start:
                _instances[instance!.Id] = _instances[instance.Id] with { Phase = InstancePhase.Running, Jobs = [new JobState("backend", "running", 100, 0, true, null)] };
                break;
            case CommandKind.Stop when command.Remove:
                _instances.TryRemove(instance!.Id, out _);
                break;
            case CommandKind.Stop:
                if (_instances.TryGetValue(instance!.Id, out InstanceState? state))
                {
                    _instances[instance.Id] = state with { Phase = InstancePhase.Stopped };
                }
                break;
        }
        return new CommandResult(command.Id, true, null, null, null, null, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(false);
        _stop.Dispose();
    }
}
