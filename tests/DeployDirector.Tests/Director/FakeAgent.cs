using System.Collections.Concurrent;
using System.Security.Cryptography;
using DeployDirector.Contracts;
using DeployDirector.Live;

namespace DeployDirector.Tests.Director;

/// <summary>
/// An agent in process that speaks to the director's hub as the real agent speaks HTTP: registers,
/// heartbeats, long-polls, answers commands (checking archive hashes and epochs as the real one
/// does, in order per instance as its dispatcher runs them), and records every command it got. Jobs
/// "run" at once; <see cref="FailStart"/>, <see cref="HoldStart"/> and <see cref="HoldStop"/> make it misbehave on purpose.
/// </summary>
public sealed class FakeAgent : IAsyncDisposable
{
    private readonly DirectorSetup _director;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AgentCommand> _received = new();
    private readonly ConcurrentQueue<CommandSpan> _timeline = new();
    private readonly ConcurrentQueue<GroupInfo> _groups = new();
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private Task _loops = Task.CompletedTask;
    private long _sequence;
    private static long s_ticks;

    public FakeAgent(DirectorSetup director, string mac, string address, int cores = 2, long memory = 1L << 30)
    {
        _director = director;
        Mac = mac;
        Address = address;
        Cores = cores;
        Memory = memory;
    }

    public string Mac { get; }

    public string Address { get; }

    public int Cores { get; }

    public long Memory { get; }

    public string BootId { get; private set; } = Guid.NewGuid().ToString();

    public IReadOnlyCollection<AgentCommand> Received => [.. _received];

    public IReadOnlyCollection<InstanceState> Instances => [.. _instances.Values];

    /// <summary>When each command began and ended, on a counter shared by every fake agent (so spans of
    /// different agents compare): tests check ordering, not durations.</summary>
    public IReadOnlyCollection<CommandSpan> Timeline => [.. _timeline];

    /// <summary>Awaited inside every start before it completes (tests gate or count starts with it).</summary>
    public Func<AgentCommand, Task>? OnStart { get; set; }

    /// <summary>Commands counted from here on (tests assert "sent nothing").</summary>
    public int ReceivedCount => _received.Count;

    public bool FailStart { get; set; }

    /// <summary>The busy share of all cores it reports in heartbeats (service groups balance by it).</summary>
    public double CpuLoad { get; set; } = 0.1;

    /// <summary>The director's answer to the latest heartbeat (null before the first, or when it asked to register).</summary>
    public HeartbeatAck? LastAck { get; private set; }

    /// <summary>Every service-group view (update_group) it accepted, in order (newer versions only).</summary>
    public IReadOnlyList<GroupInfo> Groups => [.. _groups];

    /// <summary>Its loops were stopped (<see cref="DieAsync"/>): it no longer heartbeats or polls.</summary>
    public bool Stopped => _stop.IsCancellationRequested;

    /// <summary>Runs when a reboot brings the node up again, before its agent registers (the boot
    /// service's part: tests lift fences here).</summary>
    public Action? OnBoot { get; set; }

    /// <summary>While set, start never completes (the director waits): a deploy caught mid-way.</summary>
    public TaskCompletionSource? HoldStart { get; set; }

    /// <summary>While set and not completed, every stop waits for it (a deploy that stops an instance
    /// here is held between its plan and its commit).</summary>
    public TaskCompletionSource? HoldStop { get; set; }

    /// <summary>While set and not completed, every update_group waits for it (a member slow to take pushes).</summary>
    public TaskCompletionSource? HoldUpdateGroup { get; set; }

    /// <summary>Boots the node: the boot service registers it with the tree and issues its credential; the agent registers.</summary>
    public FakeAgent Boot(string edition = "stemcell")
    {
        _director.Context.Tree.BootNode(Mac, edition);
        _director.Context.Nodes.IssueCredential(Mac);
        Register();
        _loops = Task.WhenAll(Task.Run(PollLoopAsync), Task.Run(HeartbeatLoopAsync));
        return this;
    }

    public void Register() => _director.Context.Nodes.Register(Mac, new AgentRegistration
    {
        Mac = Mac,
        BootId = BootId,
        AgentVersion = "fake",
        Address = Address,
        Cores = Cores,
        MemoryBytes = Memory,
        Instances = [.. _instances.Values],
    });

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Beat();
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

    /// <summary>While set, neither its heartbeats nor its polls reach the director (as when the director
    /// takes nothing in). Setting it waits for a beat or a poll's start in flight, so none lands after.</summary>
    public bool Muted
    {
        get
        {
            lock (_beatGate)
            {
                return _muted;
            }
        }
        set
        {
            lock (_beatGate)
            {
                _muted = value;
            }
        }
    }

    private readonly Lock _beatGate = new();
    private bool _muted;

    public void Beat()
    {
        lock (_beatGate)
        {
            if (_muted)
            {
                return;
            }
            var beat = new AgentHeartbeat { BootId = BootId, Sequence = Interlocked.Increment(ref _sequence), Load = new LoadReport(CpuLoad, Cores, 1 << 20, Memory, null), Instances = [.. _instances.Values] };
            LastAck = _director.Context.Hub.Heartbeat(Mac, beat);
            if (LastAck is null)
            {
                Register();
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
                Task<AgentCommand[]?>? poll;
                // A poll is contact too (the hub stamps it before its first wait): a muted agent makes none.
                lock (_beatGate)
                {
                    poll = _muted ? null : _director.Context.Hub.PollAsync(Mac, BootId, 1000, _stop.Token);
                }
                if (poll is null)
                {
                    await Task.Delay(10, _stop.Token).ConfigureAwait(false);
                    continue;
                }
                commands = await poll.ConfigureAwait(false);
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
                _received.Enqueue(command);
                // As the real agent's dispatcher: in order per instance, instances in parallel.
                Task previous = command.Instance is { } instance ? _tails.GetValueOrDefault(instance.Id, Task.CompletedTask) : Task.CompletedTask;
                Task run = Task.Run(async () =>
                {
                    await previous.ConfigureAwait(false);
                    long began = Interlocked.Increment(ref s_ticks);
                    CommandResult result;
                    try
                    {
                        result = await RunAsync(command).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IOException)
                    {
                        result = Refuse(command, "failed", e.Message);
                    }
                    _timeline.Enqueue(new CommandSpan(command, began, Interlocked.Increment(ref s_ticks)));
                    _director.Context.Hub.Complete(Mac, result);
                });
                if (command.Instance is { } owner)
                {
                    _tails[owner.Id] = run;
                }
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
                _instances[instance!.Id] = State(instance, command.ArchiveSha256 ?? _instances[instance.Id].ArchiveSha256, InstancePhase.Applied);
                return Ok(command);
            case CommandKind.Start:
                if (HoldStart is { } hold)
                {
                    await hold.Task.ConfigureAwait(false);
                }
                if (OnStart is { } onStart)
                {
                    await onStart(command).ConfigureAwait(false);
                }
                if (FailStart)
                {
                    _instances[instance!.Id] = State(instance, _instances[instance.Id].ArchiveSha256, InstancePhase.Failing) with
                    {
                        Jobs = [new JobState("web", "backoff", null, 5, false, "exited with 1")],
                    };
                    return Ok(command);
                }
                _instances[instance!.Id] = State(instance, _instances[instance.Id].ArchiveSha256, InstancePhase.Running) with
                {
                    Jobs = [new JobState("web", "running", 100, 0, true, null)],
                };
                return Ok(command);
            case CommandKind.Stop:
                if (HoldStop is { } holdStop)
                {
                    await holdStop.Task.ConfigureAwait(false);
                }
                if (command.Remove)
                {
                    _instances.TryRemove(instance!.Id, out _);
                }
                else if (_instances.TryGetValue(instance!.Id, out InstanceState? state))
                {
                    _instances[instance.Id] = state with { Phase = InstancePhase.Stopped };
                }
                return Ok(command);
            case CommandKind.RunErrand:
                return new CommandResult(command.Id, true, null, null, $"errand {instance!.Group}/{instance.Index} ran", 0, null);
            case CommandKind.UpdateGroup:
                if (HoldUpdateGroup is { } holdGroup)
                {
                    await holdGroup.Task.ConfigureAwait(false);
                }
                lock (_groups)
                {
                    // As the real agent: a version it already holds, or an older one, is ignored.
                    if (_groups.IsEmpty || _groups.Last().Version < command.Group!.Version)
                    {
                        _groups.Enqueue(command.Group!);
                    }
                }
                return Ok(command);
            case CommandKind.FetchLogs:
                return new CommandResult(command.Id, true, null, null, $"log of {instance!.Id}", null, null);
            case CommandKind.Reboot:
                _ = Task.Run(async () =>
                {
                    await Task.Delay(50).ConfigureAwait(false);
                    // The node asks for its boot script before its new agent says anything.
                    OnBoot?.Invoke();
                    _director.Context.Tree.BootNode(Mac, "stemcell");
                    // As the real agent after a reboot: what it held is there, stopped, until the director starts it.
                    foreach (InstanceState held in _instances.Values.Where(i => i.Phase is InstancePhase.Running or InstancePhase.Failing))
                    {
                        _instances[held.Instance.Id] = held with { Phase = InstancePhase.Stopped, Jobs = [] };
                    }
                    BootId = Guid.NewGuid().ToString();
                    Register();
                });
                return Ok(command);
            default:
                return Refuse(command, "unknown_command", command.Kind);
        }
    }

    /// <summary>Its jobs of <paramref name="instanceId"/> start crash-looping (the host stays alive).</summary>
    public void Crash(string instanceId) => _instances[instanceId] = _instances[instanceId] with
    {
        Phase = InstancePhase.Failing,
        Jobs = [new JobState("backend", "backoff", null, 5, false, "exited with 1")],
    };

    /// <summary>
    /// The same agent process, still running its instances, finding a new director (after a director
    /// restart, or after a partition): same boot, same instances and epochs; it registers again.
    /// </summary>
    public FakeAgent Revive(DirectorSetup director)
    {
        var agent = new FakeAgent(director, Mac, Address, Cores, Memory) { BootId = BootId, FailStart = FailStart, CpuLoad = CpuLoad, OnBoot = OnBoot };
        foreach ((string id, InstanceState state) in _instances)
        {
            agent._instances[id] = state;
        }
        foreach ((string id, long epoch) in _epochs)
        {
            agent._epochs[id] = epoch;
        }
        agent.Register();
        agent._loops = Task.WhenAll(Task.Run(agent.PollLoopAsync), Task.Run(agent.HeartbeatLoopAsync));
        return agent;
    }

    /// <summary>The agent stops answering (the node died or is partitioned).</summary>
    public async Task DieAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await DieAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static InstanceState State(InstanceRef instance, string sha, string phase) => new() { Instance = instance, ArchiveSha256 = sha, Phase = phase };

    private static CommandResult Ok(AgentCommand command) => new(command.Id, true, null, null, null, null, null);

    private static CommandResult Refuse(AgentCommand command, string refusal, string error) => new(command.Id, false, refusal, error, null, null, null);
}
