using System.Diagnostics;
using DeployDirector.Contracts;
using NodeAgent.Actions;
using NodeAgent.Config;
using NodeAgent.State;
using NodeAgent.Transport;

namespace NodeAgent.Host;

/// <summary>
/// The agent's loops: register (again on 409), heartbeat at the director's interval (the registration's,
/// then whatever a heartbeat answer names), long-poll for commands, and the lease: with no successful
/// heartbeat for the lease, every job stops.
/// Network errors are retried forever; nothing here exits on them.
/// </summary>
internal sealed class AgentHost(AgentOptions options, TextWriter log)
{
    public const string Version = "1";

    /// <summary>The lease before the director has named one (a restarted agent that cannot reach it).</summary>
    private static readonly TimeSpan s_defaultLease = TimeSpan.FromSeconds(30);

    private const int PollWaitMs = 25_000;

    private readonly Lock _lock = new();
    private readonly LoadSampler _load = new(options.ProcRoot);
    private long _lastSuccess = Stopwatch.GetTimestamp();
    private TimeSpan _lease = s_defaultLease;
    private TimeSpan _interval = HeartbeatInterval.Default;
    private bool _leaseLost;

    // Environment.TickCount64 counts milliseconds since boot: starting there, a restarted agent's
    // sequence still grows within the boot (heartbeats come far less often than once a millisecond).
    private long _sequence = Environment.TickCount64;

    public async Task RunAsync(CancellationToken cancellation)
    {
        var paths = new AgentPaths(options.DataDirectory);
        Directory.CreateDirectory(paths.Root);
        var instances = new InstanceTable(paths, options);
        instances.Load(log, NodeFacts.BootId());
        using var director = new DirectorClient(options.Director, options.Credential);
        var context = new AgentContext(options, paths, instances, director, log);
        IAgentAction[] actions =
        [
            new Prepare(context), new Apply(context), new Start(context), new Stop(context),
            new RunErrand(context), new GetState(context), new FetchLogs(context), new Reboot(context),
            new UpdateGroup(context), new RunPatch(context),
        ];
        var dispatcher = new CommandDispatcher(context, new EpochStore(paths), actions, cancellation);
        log.WriteLine($"ubd-agent {Version}: node {options.Mac}, director {options.Director}, data {paths.Root}, {instances.All.Count} instance(s) on disk");

        var lease = WatchLeaseAsync(instances, cancellation);
        var backoff = new Backoff();
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                var ack = await director.RegisterAsync(Registration(instances), cancellation).ConfigureAwait(false);
                backoff.Reset();
                Renew(TimeSpan.FromMilliseconds(ack.LeaseMs), HeartbeatInterval.FromRegistration(ack.HeartbeatIntervalMs));
                Announce(ack);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                var heartbeats = HeartbeatLoopAsync(director, instances, session.Token);
                var polls = PollLoopAsync(director, dispatcher, session.Token);
                await Task.WhenAny(heartbeats, polls).ConfigureAwait(false);
                await session.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(heartbeats, polls).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                // Whatever went wrong, the agent stays: its jobs keep running and it tries again.
                log.WriteLine(IsTransient(e) ? $"ubd-agent: cannot register ({e.Message})" : $"ubd-agent: session failed: {e}");
                await DelayAsync(backoff.Next(), cancellation).ConfigureAwait(false);
            }
        }

        await lease.ConfigureAwait(false);
    }

    private AgentRegistration Registration(InstanceTable instances)
    {
        var kernel = KernelCommandLine.Parse(KernelCommandLine.ReadOrEmpty("/proc/cmdline"));
        return new AgentRegistration
        {
            Mac = options.Mac,
            BootId = NodeFacts.BootId(),
            AgentVersion = Version,
            Address = NodeFacts.Address(),
            Cores = NodeFacts.Cores(),
            MemoryBytes = _load.Memory().Total,
            Leaf = KernelCommandLine.LeafOf(kernel),
            Edition = NodeFacts.Edition(),
            Instances = instances.Snapshot(),
        };
    }

    /// <summary>Heartbeats until the director answers 409 (register again) or the session ends.</summary>
    private async Task HeartbeatLoopAsync(DirectorClient director, InstanceTable instances, CancellationToken cancellation)
    {
        var bootId = NodeFacts.BootId();
        var failures = 0;
        while (!cancellation.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var heartbeat = new AgentHeartbeat { BootId = bootId, Sequence = Interlocked.Increment(ref _sequence), Load = Load(instances), Instances = instances.Snapshot() };
                var ack = await director.HeartbeatAsync(heartbeat, cancellation).ConfigureAwait(false);
                var interval = HeartbeatInterval.FromAck(ack.HeartbeatIntervalMs);
                if (interval is { } asked && asked != NamedInterval())
                {
                    log.WriteLine($"ubd-agent: heartbeat interval now {asked.TotalMilliseconds} ms");
                }

                Renew(TimeSpan.FromMilliseconds(ack.LeaseMs), interval);
                failures = 0;
            }
            catch (ConflictException)
            {
                return;
            }
            catch (Exception e) when (IsTransient(e) && !cancellation.IsCancellationRequested)
            {
                // One line when the director goes away, not one per heartbeat.
                if (failures++ == 0)
                {
                    log.WriteLine($"ubd-agent: heartbeat failed ({e.Message})");
                }
            }

            await DelayAsync(Interval() - Stopwatch.GetElapsedTime(started), cancellation).ConfigureAwait(false);
        }
    }

    private async Task PollLoopAsync(DirectorClient director, CommandDispatcher dispatcher, CancellationToken cancellation)
    {
        var backoff = new Backoff();
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                foreach (var command in await director.PollAsync(PollWaitMs, cancellation).ConfigureAwait(false))
                {
                    dispatcher.Enqueue(command);
                }

                backoff.Reset();
            }
            catch (ConflictException)
            {
                return;
            }
            catch (Exception e) when (IsTransient(e) && !cancellation.IsCancellationRequested)
            {
                await DelayAsync(backoff.Next(), cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops every job once no heartbeat has succeeded for the lease: the director may have moved the instances.</summary>
    private async Task WatchLeaseAsync(InstanceTable instances, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            await DelayAsync(TimeSpan.FromMilliseconds(100), cancellation).ConfigureAwait(false);
            bool expired, firstTime;
            lock (_lock)
            {
                expired = Stopwatch.GetElapsedTime(_lastSuccess) > _lease;
                firstTime = expired && !_leaseLost;
                _leaseLost |= expired;
            }

            // Checked while the lease stays lapsed, not only when it lapses: a job started after a lapse that
            // found nothing running (a start command taken meanwhile) runs without a lease just the same.
            if (expired && instances.All.Any(instance => instance.HasRunningJobs))
            {
                log.WriteLine(firstTime
                    ? $"ubd-agent: lease of {_lease.TotalMilliseconds} ms expired without a heartbeat: stopping every job"
                    : $"ubd-agent: lease of {_lease.TotalMilliseconds} ms still expired without a heartbeat: stopping the jobs started since");
                Mark($"UNIONBLOCK: agent lease expired node={options.Mac}");
                try
                {
                    await instances.StopAllAsync(cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Host figures, and job figures of running instances only: a stopped job's last word is no load.</summary>
    private LoadReport Load(InstanceTable instances) =>
        _load.Sample(
            NodeFacts.Cores(),
            instances.All.Where(instance => instance.HasRunningJobs).SelectMany(instance => (instance.Spec?.Jobs ?? []).Select(job => instance.Environment(job).JobDirectory)));

    private void Renew(TimeSpan lease, TimeSpan? interval)
    {
        lock (_lock)
        {
            _lastSuccess = Stopwatch.GetTimestamp();
            _leaseLost = false;
            if (lease > TimeSpan.Zero)
            {
                _lease = lease;
            }

            if (interval is { } every)
            {
                _interval = every;
            }
        }
    }

    private TimeSpan Interval()
    {
        lock (_lock)
        {
            return HeartbeatInterval.Within(_interval, _lease);
        }
    }

    private TimeSpan NamedInterval()
    {
        lock (_lock)
        {
            return _interval;
        }
    }

    /// <summary>The console marker end-to-end tests wait for, once per registration.</summary>
    private void Announce(RegistrationAck ack)
    {
        var line = $"UNIONBLOCK: agent registered node={options.Mac}";
        log.WriteLine($"{line} as {ack.NodeId} (heartbeat {ack.HeartbeatIntervalMs} ms, lease {ack.LeaseMs} ms)");
        Mark(line);
    }

    /// <summary>A line on the node's console too: what a test reads when the node's own log is out of reach.</summary>
    private void Mark(string line)
    {
        try
        {
            using var console = new StreamWriter(new FileStream(options.Console, FileMode.Append, FileAccess.Write));
            console.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // No console to write to (a test, an unprivileged run): the log line above is enough.
        }
    }

    private static bool IsTransient(Exception e) => e is HttpRequestException or OperationCanceledException or IOException or System.Text.Json.JsonException;

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellation)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the caller's loop condition ends it.
        }
    }
}
