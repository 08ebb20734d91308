using System.Diagnostics;
using DeployDirector.Contracts;

namespace NodeAgent.Supervision;

/// <summary>
/// Keeps one job's bin/run running: starts it as a session leader with its output appended to its
/// log, restarts it on exit after the <see cref="RestartPolicy"/> delay, runs bin/health, rotates the
/// log. Its pid file lets a restarted agent adopt the process instead of starting another.
/// </summary>
internal sealed class JobSupervisor
{
    public const string StateStarting = "starting";
    public const string StateRunning = "running";
    public const string StateBackoff = "backoff";
    public const string StateStopped = "stopped";

    private static readonly TimeSpan s_healthTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(200);

    private readonly string _name;
    private readonly JobEnvironment _environment;
    private readonly string _log;
    private readonly string _pidFile;
    private readonly TimeSpan _healthInterval;
    private readonly RestartPolicy _policy;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _supervising = Task.CompletedTask;
    private Task _watching = Task.CompletedTask;
    private ProcessIdentity? _current;
    private string _process = StateStarting;
    private int _restarts;
    private bool? _healthy;
    private string? _lastError;

    public JobSupervisor(string name, JobEnvironment environment, string log, string pidFile, TimeSpan restartBase, TimeSpan healthInterval)
    {
        _name = name;
        _environment = environment;
        _log = log;
        _pidFile = pidFile;
        _healthInterval = healthInterval;
        _policy = new RestartPolicy(restartBase);
    }

    public bool IsFailing
    {
        get
        {
            lock (_lock)
            {
                return _policy.IsFailing;
            }
        }
    }

    public JobState State
    {
        get
        {
            lock (_lock)
            {
                return new JobState(_name, _process, _current?.Pid, _restarts, _healthy, _lastError);
            }
        }
    }

    /// <summary>Starts supervision, adopting the process named in the pid file when it is still alive.</summary>
    public void Start()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_log)!);
        Directory.CreateDirectory(Path.GetDirectoryName(_pidFile)!);
        var adopted = ReadPidFile() is { } identity && ProcessGroup.IsAlive(identity) ? identity : null;
        _supervising = SuperviseAsync(adopted, _stop.Token);
        _watching = WatchAsync(_stop.Token);
    }

    /// <summary>SIGTERM to the job's group, SIGKILL after <paramref name="killAfter"/>; returns once it is gone.</summary>
    public async Task StopAsync(TimeSpan killAfter)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        ProcessIdentity? current;
        lock (_lock)
        {
            current = _current;
        }

        if (current is not null)
        {
            ProcessGroup.Signal(current.Pid, ProcessGroup.SigTerm);
        }

        if (await Task.WhenAny(_supervising, Task.Delay(killAfter, CancellationToken.None)).ConfigureAwait(false) != _supervising && current is not null)
        {
            ProcessGroup.Signal(current.Pid, ProcessGroup.SigKill);
        }

        await _supervising.ConfigureAwait(false);
        await _watching.ConfigureAwait(false);
        lock (_lock)
        {
            _process = StateStopped;
            _healthy = null;
        }
    }

    private async Task SuperviseAsync(ProcessIdentity? adopted, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            int? exitCode;
            if (adopted is not null)
            {
                Set(adopted, StateRunning);
                exitCode = await WaitForeignAsync(adopted).ConfigureAwait(false);
                adopted = null;
            }
            else
            {
                exitCode = await RunOnceAsync(stop).ConfigureAwait(false);
            }

            TryDelete(_pidFile);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            TimeSpan delay;
            lock (_lock)
            {
                var ran = Stopwatch.GetElapsedTime(started);
                delay = _policy.RecordExit(ran);
                _lastError = exitCode is { } code
                    ? $"bin/run exited with code {code} after {ran.TotalSeconds:0.0} s"
                    : $"bin/run went away after {ran.TotalSeconds:0.0} s";
                if (_policy.IsFailing)
                {
                    _lastError += $" ({_policy.QuickFailures} quick failures in a row)";
                }

                _current = null;
                _process = StateBackoff;
                _restarts++;
            }

            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        lock (_lock)
        {
            _current = null;
        }
    }

    private async Task<int?> RunOnceAsync(CancellationToken stop)
    {
        Process process;
        try
        {
            process = Process.Start(_environment.StartInfo(_environment.Script("run"), _log))
                ?? throw new InvalidOperationException("bin/run did not start");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            lock (_lock)
            {
                _lastError = $"bin/run did not start: {e.Message}";
            }

            return null;
        }

        using (process)
        {
            var identity = new ProcessIdentity(process.Id, ProcessGroup.StartTime(process.Id) ?? 0);
            NodeAgent.State.AgentPaths.WriteAtomically(_pidFile, identity.Format());
            Set(identity, StateRunning);
            if (stop.IsCancellationRequested)
            {
                // A stop that raced the start has not seen this pid: signal it here.
                ProcessGroup.Signal(identity.Pid, ProcessGroup.SigTerm);
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        }
    }

    /// <summary>An adopted process is not our child: poll until it is gone (its exit code is not ours to read).</summary>
    private static async Task<int?> WaitForeignAsync(ProcessIdentity identity)
    {
        while (ProcessGroup.IsAlive(identity))
        {
            await Task.Delay(s_tick, CancellationToken.None).ConfigureAwait(false);
        }

        return null;
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        var health = _environment.Script("health");
        var nextHealth = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(s_tick, stop).ConfigureAwait(false);
                LogRotation.RotateIfLarge(_log);
                if (Stopwatch.GetTimestamp() < nextHealth || !File.Exists(health) || State.Process != StateRunning)
                {
                    continue;
                }

                nextHealth = Stopwatch.GetTimestamp() + (long)(_healthInterval.TotalSeconds * Stopwatch.Frequency);
                var result = await ScriptRunner.RunAsync(_environment, health, s_healthTimeout, 4096, stop).ConfigureAwait(false);
                lock (_lock)
                {
                    _healthy = result.ExitCode == 0;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (IOException)
            {
                // A log or script that vanished under us (the instance is being removed): try again next tick.
            }
        }
    }

    private void Set(ProcessIdentity identity, string process)
    {
        lock (_lock)
        {
            _current = identity;
            _process = process;
        }
    }

    private ProcessIdentity? ReadPidFile()
    {
        try
        {
            return ProcessIdentity.TryParse(File.ReadAllText(_pidFile));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind, it names a dead pid: adoption checks the start time and starts afresh.
        }
    }
}
