using DeployDirector.Live;
using DeployDirector.Releases;
using DeployDirector.Running;
using DeployDirector.State;
using ImageTree.Tree;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployDirector.Tests.Director;

/// <summary>
/// A director over a fresh data directory (RocksDB state, a 1 MiB stem-cell root imported as
/// stemcell@1, the demo release uploaded) and fake agents on idle nodes. Restart reopens the same
/// state as a new director process would.
/// </summary>
public sealed class DirectorRig : IAsyncDisposable
{
    public static readonly AgentTimings FastTimings = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ubd-director-");
    private readonly List<FakeAgent> _agents = [];

    /// <param name="clock">The director's clock (null: the system's); service-group tests step it.</param>
    public DirectorRig(string provider = "pxe", TimeProvider? clock = null)
    {
        Tree = ImageTreeService.Open(Data);
        string root = Path.Combine(_directory.FullName, "root.img");
        File.WriteAllBytes(root, new byte[1 << 20]);
        Tree.Import("stemcell", root, ImageTree.Operations.ImageFormat.Raw, null);
        Options = new DirectorOptions(provider) { Timings = FastTimings, NodeWait = TimeSpan.FromSeconds(20), Clock = clock };
        Director = DirectorSetup.Open(Data, Tree, Options, NullLogger.Instance);
        string tarball = Path.Combine(_directory.FullName, "demo.tgz");
        ReleaseBuilder.Create(Path.Combine(RepoRoot, "examples", "releases", "demo"), tarball);
        using FileStream release = File.OpenRead(tarball);
        Director.Deployer.UploadRelease(release);
    }

    public string Data => Path.Combine(_directory.FullName, "data");

    public ImageTreeService Tree { get; }

    public DirectorOptions Options { get; }

    public DirectorSetup Director { get; private set; }

    public Deployer Deployer => Director.Deployer;

    public DirectorStore Store => Director.Context.Store;

    public IReadOnlyList<FakeAgent> Agents => _agents;

    /// <summary>Boots <paramref name="count"/> idle stem cells with fake agents (MACs 52:54:00:aa:00:NN).</summary>
    public IReadOnlyList<FakeAgent> Boot(int count, int cores = 2, long memory = 1L << 30)
    {
        var booted = new List<FakeAgent>();
        for (int i = 0; i < count; i++)
        {
            int n = _agents.Count + 1;
            var agent = new FakeAgent(Director, $"52:54:00:aa:00:{n:x2}", $"10.0.2.{20 + n}", cores, memory);
            _agents.Add(agent);
            booted.Add(agent.Boot());
        }
        return booted;
    }

    public async Task<DirectorTaskRecord> DeployAsync(string manifest, IReadOnlyDictionary<string, string>? variables = null)
    {
        DeployOutcome outcome = Deployer.Deploy(manifest, "manifest.yml", variables);
        Assert.True(outcome.Task is not null, string.Join("\n", outcome.Errors));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Director.Context.Tasks.WaitAsync(outcome.Task.Id, timeout.Token);
    }

    /// <summary>Starts a deploy and returns its task at once (the test watches it run).</summary>
    public DirectorTaskRecord StartDeploy(string manifest, IReadOnlyDictionary<string, string>? variables = null)
    {
        DeployOutcome outcome = Deployer.Deploy(manifest, "manifest.yml", variables);
        Assert.True(outcome.Task is not null, string.Join("\n", outcome.Errors));
        return outcome.Task;
    }

    /// <summary>Waits for a condition the director or the agents reach on their own; fails the test after 30 s.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>The agent (of this rig's current ones) of node <paramref name="mac"/>.</summary>
    /// <summary>Publishes the stem cell's next edition over <paramref name="over"/>: a 1 MiB root whose block <paramref name="block"/> starts with <paramref name="value"/>.</summary>
    public void PublishStemcell(string over, int block, byte value)
    {
        byte[] image = new byte[1 << 20];
        image[block * UnionBlock.Blocks.Size] = value;
        string file = Path.Combine(_directory.FullName, $"root-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(file, image);
        Tree.Import("stemcell", file, ImageTree.Operations.ImageFormat.Raw, over);
    }

    /// <summary>Writes one block of 0x99 into <paramref name="mac"/>'s leaf and flushes it, as the node's own write would.</summary>
    public void WriteLeafBlock(string mac, int block)
    {
        using UnionBlock.Store.DeviceLease lease = Tree.Layers.OpenDevice(Tree.Node(mac).Leaf);
        byte[] data = new byte[UnionBlock.Blocks.Size];
        data.AsSpan().Fill(0x99);
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, lease.Device.Write((long)block * UnionBlock.Blocks.Size, new System.Buffers.ReadOnlySequence<byte>(data)));
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, lease.Device.FlushAsync().AsTask().Result);
    }

    public FakeAgent Agent(string mac) => _agents.Single(a => a.Mac == mac);

    /// <summary>Every instance each agent reports now, with the agent's MAC.</summary>
    public IEnumerable<(string Mac, Contracts.InstanceState State)> Reported() => _agents.SelectMany(a => a.Instances.Select(i => (a.Mac, i)));

    public async Task<DirectorTaskRecord> WaitAsync(DirectorTaskRecord task)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await Director.Context.Tasks.WaitAsync(task.Id, timeout.Token);
    }

    /// <summary>Stops the director as a crash would (its agents keep running) and opens a new one on the same state.</summary>
    public async Task RestartDirectorAsync()
    {
        foreach (FakeAgent agent in _agents)
        {
            await agent.DieAsync();
        }
        Director.Dispose();
        Director = DirectorSetup.Open(Data, Tree, Options, NullLogger.Instance);
    }

    /// <summary>Agents (dead after <see cref="RestartDirectorAsync"/> or <see cref="FakeAgent.DieAsync"/>) come back
    /// on the current director with what they held: the same agent processes, registering again.</summary>
    public async Task ReviveAgentsAsync(Func<FakeAgent, bool>? which = null)
    {
        for (int i = 0; i < _agents.Count; i++)
        {
            if (which is null || which(_agents[i]))
            {
                FakeAgent old = _agents[i];
                await old.DisposeAsync();
                _agents[i] = old.Revive(Director);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (FakeAgent agent in _agents)
        {
            await agent.DisposeAsync();
        }
        Director.Dispose();
        Tree.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "UnionBlock.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("UnionBlock.sln not found above the test assembly");
    }

    /// <summary>
    /// The demo deployment: backend (providing the backend link) and web (consuming it), groups in turn.
    /// <paramref name="update"/> adds keys to the update block ("key: value, " each); <paramref name="leafPolicy"/> sets web's.
    /// </summary>
    public static string Demo(int backend = 1, int web = 2, string title = "Hello", int canaries = 1, int maxInFlight = 2, string watch = "0-5000", string extra = "", int? minAvailable = null, string update = "", string? leafPolicy = null) => $$"""
        name: demo
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { {{update}}canaries: {{canaries}}, max_in_flight: {{maxInFlight}}, canary_watch_time: {{watch}}, update_watch_time: {{watch}}{{(minAvailable is { } m ? $", min_available: {m}" : "")}} }
        instance_groups:
          - name: backend
            instances: {{backend}}
            stemcell: default
            jobs:
              - { name: backend, release: demo }
          - name: web
            instances: {{web}}
            stemcell: default{{(leafPolicy is { } policy ? $"\n    leaf_policy: {policy}" : "")}}
            jobs:
              - name: web
                release: demo
                properties: { title: "{{title}}", port: 80 }
        {{extra}}
        """;

    public const string TwoGroups = """
        name: demo
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 2, canary_watch_time: 0-5000, update_watch_time: 0-5000 }
        instance_groups:
          - name: backend
            instances: 1
            stemcell: default
            jobs:
              - { name: backend, release: demo }
          - name: web
            instances: 2
            stemcell: default
            jobs:
              - name: web
                release: demo
                properties: { title: ((title)), port: 80 }
        """;
}
