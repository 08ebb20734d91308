using System.Text.Json;
using DeployDirector.Contracts;
using NodeAgent.Config;
using NodeAgent.Supervision;

namespace NodeAgent.State;

/// <summary>
/// One instance on this node: its persisted state (ref, archive, phase), its applied spec, and the
/// supervisors of its jobs while it runs. Callers hold the instance's gate (<see cref="InstanceTable.GateFor"/>).
/// </summary>
internal sealed class InstanceRuntime(AgentPaths paths, AgentOptions options, InstanceState persisted)
{
    /// <summary>How long a job has between SIGTERM and SIGKILL.</summary>
    public static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, JobSupervisor> _jobs = new(StringComparer.Ordinal);
    private InstanceState _persisted = persisted;
    private IReadOnlyList<JobState> _finished = [];

    public string Id => _persisted.Instance.Id;

    public InstanceRef Ref
    {
        get
        {
            lock (_lock)
            {
                return _persisted.Instance;
            }
        }
    }

    public string Phase
    {
        get
        {
            lock (_lock)
            {
                return _persisted.Phase;
            }
        }
    }

    public string ArchiveSha256
    {
        get
        {
            lock (_lock)
            {
                return _persisted.ArchiveSha256;
            }
        }
    }

    /// <summary>The applied spec (current/instance.json), null before an apply.</summary>
    public InstanceSpec? Spec { get; private set; }

    public bool HasRunningJobs
    {
        get
        {
            lock (_lock)
            {
                return _jobs.Count > 0;
            }
        }
    }

    /// <summary>The state as reported: <c>failing</c> when a job keeps failing, with every job's state.</summary>
    public InstanceState Snapshot()
    {
        lock (_lock)
        {
            var failing = _persisted.Phase == InstancePhase.Running && _jobs.Values.Any(job => job.IsFailing);
            var jobs = _jobs.Count > 0 ? _jobs.Values.Select(job => job.State).ToList() : _finished;
            return _persisted with { Phase = failing ? InstancePhase.Failing : _persisted.Phase, Jobs = jobs };
        }
    }

    public void Record(InstanceRef instance, string? archiveSha256, string phase)
    {
        lock (_lock)
        {
            _persisted = _persisted with { Instance = instance, ArchiveSha256 = archiveSha256 ?? _persisted.ArchiveSha256, Phase = phase, Jobs = [] };
            AgentPaths.WriteAtomically(paths.InstanceState(Id), JsonSerializer.Serialize(_persisted, AgentJson.Default.InstanceState));
        }
    }

    public void RecordFinished(IReadOnlyList<JobState> jobs)
    {
        lock (_lock)
        {
            _finished = jobs;
        }
    }

    /// <summary>Reads current/instance.json (written by apply, already verified).</summary>
    public void LoadSpec()
    {
        var file = Path.Combine(paths.Current(Id), "instance.json");
        var spec = File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), AgentJson.Default.InstanceSpec) : null;

        // Lists absent from the file come back null from the source-generated reader.
        Spec = spec is null ? null : spec with { Jobs = spec.Jobs ?? [], Files = spec.Files ?? [] };
    }

    public JobEnvironment Environment(string job) => JobEnvironment.For(paths, Id, Ref.Index, job);

    /// <summary>Supervises every job's bin/run, adopting processes a previous agent left running.</summary>
    public void StartJobs()
    {
        var spec = Spec ?? throw new InvalidOperationException($"instance {Id} has nothing applied");
        lock (_lock)
        {
            foreach (var job in spec.Jobs)
            {
                if (_jobs.ContainsKey(job))
                {
                    continue;
                }

                var supervisor = new JobSupervisor(job, Environment(job), paths.Log(Id, job), paths.PidFile(Id, job), options.RestartBase, options.HealthInterval);
                _jobs[job] = supervisor;
                supervisor.Start();
            }

            _finished = [];
        }
    }

    /// <summary>Stops every job (SIGTERM, then SIGKILL after <see cref="KillAfter"/>) in parallel.</summary>
    public async Task StopJobsAsync()
    {
        List<JobSupervisor> jobs;
        lock (_lock)
        {
            jobs = [.. _jobs.Values];
        }

        await Task.WhenAll(jobs.Select(job => job.StopAsync(KillAfter))).ConfigureAwait(false);
        lock (_lock)
        {
            _finished = [.. jobs.Select(job => job.State)];
            _jobs.Clear();
        }
    }
}
