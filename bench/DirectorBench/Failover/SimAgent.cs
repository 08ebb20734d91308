using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using DeployDirector;
using DeployDirector.Contracts;

namespace DirectorBench.Failover;

/// <summary>
/// One simulated node for the failover bench, speaking to the director's hub as the real agent speaks
/// HTTP: it registers, long-polls (30 s, the protocol's longest wait), answers commands like the real
/// agent (prepare fetches the archive through the grant and checks its SHA-256; apply and start move
/// the instance through its phases; update_group is acknowledged; stale epochs are refused) and reports
/// its instances in the heartbeat the fleet sends for it once a second. A start shows as running only in
/// the next heartbeat, as with a real agent. <see cref="Kill"/> stops its heartbeats and its polls.
/// </summary>
internal sealed class SimAgent
{
    private readonly DirectorSetup _director;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _reported = new(StringComparer.Ordinal);
    private readonly string _bootId = Guid.NewGuid().ToString();
    private long _sequence;

    public SimAgent(DirectorSetup director, string mac, string address)
    {
        _director = director;
        Mac = mac;
        Address = address;
    }

    public string Mac { get; }

    public string Address { get; }

    public bool Dead => _stop.IsCancellationRequested;

    /// <summary>Stopwatch timestamp of the last heartbeat this node sent.</summary>
    public long LastBeat { get; private set; }

    /// <summary>Called from a heartbeat that reports an instance running at an epoch for the first time
    /// (mac, instance id, epoch, Stopwatch timestamp).</summary>
    public Action<string, string, long, long>? RunningReported { get; init; }

    public IReadOnlyCollection<InstanceState> Instances => [.. _instances.Values];

    public Task Polling { get; private set; } = Task.CompletedTask;

    public void Boot()
    {
        // As at a PXE boot: the tree registers the node, the boot service issues its credential.
        _director.Context.Tree.BootNode(Mac, "stemcell");
        _director.Context.Nodes.IssueCredential(Mac);
        Register();
        Polling = Task.Run(PollLoopAsync);
    }

    /// <summary>The node dies: no more heartbeats, its long poll is dropped, commands go unanswered.</summary>
    public void Kill() => _stop.Cancel();

    private void Register() => _director.Context.Nodes.Register(Mac, new AgentRegistration
    {
        Mac = Mac,
        BootId = _bootId,
        AgentVersion = "bench",
        Address = Address,
        Cores = 2,
        MemoryBytes = 1L << 30,
        Instances = [.. _instances.Values],
    });

    public void Beat()
    {
        if (Dead)
        {
            return;
        }
        InstanceState[] instances = [.. _instances.Values];
        var beat = new AgentHeartbeat { BootId = _bootId, Sequence = ++_sequence, Load = new LoadReport(0.1, 2, 256L << 20, 1L << 30, null), Instances = instances };
        long now = Stopwatch.GetTimestamp();
        LastBeat = now;
        if (_director.Context.Hub.Heartbeat(Mac, beat) is null)
        {
            Register();
            return;
        }
        foreach (InstanceState state in instances)
        {
            if (state.Phase == InstancePhase.Running && (!_reported.TryGetValue(state.Instance.Id, out long epoch) || epoch < state.Instance.Epoch))
            {
                _reported[state.Instance.Id] = state.Instance.Epoch;
                RunningReported?.Invoke(Mac, state.Instance.Id, state.Instance.Epoch, now);
            }
        }
    }

    private async Task PollLoopAsync()
    {
        while (!Dead)
        {
            AgentCommand[]? commands;
            try
            {
                commands = await _director.Context.Hub.PollAsync(Mac, _bootId, AgentProtocol.MaxWaitMs, _stop.Token).ConfigureAwait(false);
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
                _ = Task.Run(async () =>
                {
                    CommandResult result = await RunAsync(command).ConfigureAwait(false);
                    if (!Dead)
                    {
                        _director.Context.Hub.Complete(Mac, result);
                    }
                });
            }
        }
    }

    private async Task<CommandResult> RunAsync(AgentCommand command)
    {
        InstanceRef? instance = command.Instance;
        if (instance is not null && _epochs.TryGetValue(instance.Id, out long held) && instance.Epoch < held)
        {
            return Refuse(command, "stale_epoch", $"epoch {instance.Epoch} is older than {held}");
        }
        if (instance is not null)
        {
            _epochs[instance.Id] = instance.Epoch;
        }
        switch (command.Kind)
        {
            case CommandKind.Prepare:
                using (Stream? archive = _director.Context.Grants.Open(Mac, command.ArchiveSha256!))
                {
                    if (archive is null)
                    {
                        return Refuse(command, "bad_checksum", "the director would not give the archive");
                    }
                    string sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(archive).ConfigureAwait(false));
                    if (sha != command.ArchiveSha256)
                    {
                        return Refuse(command, "bad_checksum", $"archive hash {sha}");
                    }
                }
                _instances[instance!.Id] = State(instance, command.ArchiveSha256!, InstancePhase.Prepared);
                return Ok(command);
            case CommandKind.Apply:
                string archiveSha = command.ArchiveSha256 ?? (_instances.TryGetValue(instance!.Id, out InstanceState? prepared) ? prepared.ArchiveSha256 : "");
                _instances[instance!.Id] = State(instance, archiveSha, InstancePhase.Applied);
                return Ok(command);
            case CommandKind.Start:
                if (!_instances.TryGetValue(instance!.Id, out InstanceState? applied))
                {
                    return Refuse(command, "unknown_instance", $"{instance.Id} is not applied here");
                }
                _instances[instance.Id] = State(instance, applied.ArchiveSha256, InstancePhase.Running) with
                {
                    Jobs = [new JobState("web", "running", 100, 0, true, null)],
                };
                return Ok(command);
            case CommandKind.Stop:
                if (command.Remove)
                {
                    _instances.TryRemove(instance!.Id, out _);
                }
                else if (_instances.TryGetValue(instance!.Id, out InstanceState? state))
                {
                    _instances[instance.Id] = state with { Phase = InstancePhase.Stopped };
                }
                return Ok(command);
            case CommandKind.UpdateGroup:
            case CommandKind.GetState:
                return Ok(command);
            default:
                return Refuse(command, "unknown_command", command.Kind);
        }
    }

    private static InstanceState State(InstanceRef instance, string sha, string phase) => new() { Instance = instance, ArchiveSha256 = sha, Phase = phase };

    private static CommandResult Ok(AgentCommand command) => new(command.Id, true, null, null, null, null, null);

    private static CommandResult Refuse(AgentCommand command, string refusal, string error) => new(command.Id, false, refusal, error, null, null, null);
}
