using DeployDirector.Contracts;

namespace NodeAgent.Tests.Fakes;

/// <summary>A fake director, a temp data directory and a real agent process registered with it; torn down with its jobs.</summary>
public sealed class AgentSession : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string[] _extra;
    private readonly string? _logTo;

    private AgentSession(FakeDirector director, string root, string? logTo, string[] extra)
    {
        Director = director;
        Root = root;
        _extra = extra;
        _logTo = logTo;
        Agent = AgentProcess.Start(director.Address, Data, logTo, extra);
    }

    public FakeDirector Director { get; }

    /// <summary>The test's own folder: the agent's data, its console file, files jobs write.</summary>
    public string Root { get; }

    public string Data => Path.Combine(Root, "data");

    public string Console => Path.Combine(Root, "console");

    public AgentProcess Agent { get; private set; }

    public static Task<AgentSession> StartAsync(int leaseMs = 10_000, int heartbeatIntervalMs = 200, params string[] extra) =>
        StartAsync(leaseMs, heartbeatIntervalMs, logTo: null, extra);

    /// <summary>A session whose agent writes its output to <paramref name="logTo"/> instead of the test.</summary>
    public static async Task<AgentSession> StartAsync(int leaseMs, int heartbeatIntervalMs, string? logTo, string[] extra)
    {
        var director = await FakeDirector.StartAsync();
        director.LeaseMs = leaseMs;
        director.HeartbeatIntervalMs = heartbeatIntervalMs;
        var root = Directory.CreateTempSubdirectory("ubd-agent-test-").FullName;
        var session = new AgentSession(director, root, logTo, extra);
        await session.WaitRegisteredAsync(1);
        return session;
    }

    public async Task WaitRegisteredAsync(int count) =>
        await Eventually.TrueAsync(() => Director.Registrations.Count >= count, Timeout, $"registration #{count}; agent said:\n{Agent.Output}");

    /// <summary>Kills the agent (SIGKILL) and starts a new one on the same data directory.</summary>
    public void RestartAgent()
    {
        Agent.Dispose();
        Agent = AgentProcess.Start(Director.Address, Data, _logTo, _extra);
    }

    public static InstanceRef Ref(string id, long epoch, int index = 0) => new("web-deployment", "web", index, id, epoch);

    public Task<CommandResult> SendAsync(string kind, InstanceRef? instance, string? archive = null, int timeoutMs = 60_000, bool remove = false) =>
        Director.RunAsync(new AgentCommand
        {
            Id = Guid.NewGuid().ToString("n"),
            Kind = kind,
            Instance = instance,
            ArchiveSha256 = archive,
            TimeoutMs = timeoutMs,
            Remove = remove,
        });

    /// <summary>prepare, apply and start; each must succeed.</summary>
    public async Task<CommandResult> DeployAsync(ArchiveBuilder archive, InstanceRef instance)
    {
        var sha = Director.AddBlob(archive.Build());
        foreach (var kind in new[] { CommandKind.Prepare, CommandKind.Apply, CommandKind.Start })
        {
            var result = await SendAsync(kind, instance, sha);
            Assert.True(result.Ok, $"{kind}: {result.Refusal} {result.Error}\n{Agent.Output}");
            if (kind == CommandKind.Start)
            {
                return result;
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Waits for a heartbeat whose state of the instance satisfies <paramref name="condition"/>.</summary>
    public async Task<InstanceState> WaitStateAsync(string instanceId, Func<InstanceState, bool> condition, string what) =>
        await Eventually.ValueAsync(
            () => Director.LatestState(instanceId) is { } state && condition(state) ? state : null,
            Timeout,
            $"{what} for {instanceId}; last state {Director.LatestState(instanceId)}; {Director.HeartbeatSummary()}; agent said:\n{Agent.Output}");

    /// <summary>Waits until every job of the instance runs with a pid; returns the pids by job.</summary>
    public async Task<Dictionary<string, int>> WaitRunningAsync(string instanceId)
    {
        var state = await WaitStateAsync(
            instanceId,
            s => s.Phase == InstancePhase.Running && s.Jobs.Count > 0 && s.Jobs.All(job => job.Process == "running" && job.Pid is not null),
            "every job running");
        return state.Jobs.ToDictionary(job => job.Name, job => job.Pid!.Value);
    }

    public string Marker(string name) => Path.Combine(Root, name);

    public async ValueTask DisposeAsync()
    {
        Agent.Dispose();
        AgentProcess.KillJobs(Data);
        await Director.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A job still closing a file: the temp folder is left for the OS to clean.
        }
    }
}
