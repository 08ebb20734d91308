using DeployDirector.Live;
using DeployDirector.Providers;
using DeployDirector.Providers.Qemu;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Metadata;
using ImageTree.Metadata.RocksDb;
using ImageTree.Tree;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DeployDirector;

/// <summary>
/// Composes the director over a data directory: its state in RocksDB (DATA/director), blobs
/// (DATA/blobs), the live agent hub, the tasks, the infrastructure provider. The host registers it
/// with <see cref="AddTo"/> and maps its endpoints with <c>MapDirector</c>.
/// </summary>
public sealed class DirectorSetup : IDisposable
{
    /// <summary>
    /// The HTTP listener's queue of connections not yet accepted. Kestrel's default, 512, overflows when
    /// thousands of agents connect at once (after a director restart, or while a rack's worth of moves
    /// keeps the director busy); the kernel then drops their SYNs, and each retries after 1 s, then 3 s:
    /// heartbeats late enough to count a live node dead. (Linux caps it at net.core.somaxconn.)
    /// </summary>
    public const int ListenBacklog = 8192;

    private DirectorSetup(DirectorContext context, Deployer deployer, ServiceGroups.ServiceGroupSupervisor supervisor)
    {
        Context = context;
        Deployer = deployer;
        Supervisor = supervisor;
        Patches = new Patching.PatchRunner(context);
        NodeRollouts = new NodeRollouts(context);
    }

    /// <summary>Rollouts of nodes no deployment holds (by MAC or boot group).</summary>
    public NodeRollouts NodeRollouts { get; }

    /// <summary>Scripted patches of root images, run in worker VMs.</summary>
    public Patching.PatchRunner Patches { get; }

    /// <summary>The service groups' failover and balancing; the host starts its rounds.</summary>
    public ServiceGroups.ServiceGroupSupervisor Supervisor { get; }

    public DirectorContext Context { get; }

    public Deployer Deployer { get; }

    /// <summary>Opens the director's state in <paramref name="dataDirectory"/>; <paramref name="store"/> replaces RocksDB (tests).</summary>
    public static DirectorSetup Open(string dataDirectory, ImageTreeService tree, DirectorOptions options, ILogger log, IKeyValueStore? store = null)
    {
        var state = new DirectorStore(store ?? new RocksDbStore(Path.Combine(dataDirectory, "director")));
        TimeProvider clock = options.Clock ?? TimeProvider.System;
        var hub = new AgentHub(clock, options.Timings ?? AgentTimings.Default);
        var nodes = new NodeRegistry(state, hub, clock);
        var blobs = new Releases.BlobStore(Path.Combine(dataDirectory, "blobs"));
        var releases = new Releases.ReleaseCatalog(state.Raw, blobs);
        var archives = new InstanceArchives(new Releases.BlobStore(Path.Combine(dataDirectory, "instance-archives")), releases, blobs);
        // Emulated nodes can be made whenever the server has boot files, whichever provider deployments
        // use: patch workers are always QEMU VMs the server launches.
        QemuProvider? qemu = options.Qemu is { } qemuOptions ? new QemuProvider(qemuOptions, tree, nodes) : null;
        IInfrastructureProvider provider = options.Provider switch
        {
            "qemu" => qemu ?? throw new ArgumentException("the qemu provider needs its options"),
            _ => new PxeProvider(),
        };
        var context = new DirectorContext
        {
            Store = state,
            Hub = hub,
            Nodes = nodes,
            Grants = new ArchiveGrants(archives.Open),
            Archives = archives,
            Tree = tree,
            Provider = provider,
            Tasks = new DirectorTasks(state, clock, log),
            Releases = releases,
            Clock = clock,
            Log = log,
            NodeWait = options.NodeWait,
            Fence = new ServiceGroups.TreeStorageFence(tree),
            Workers = qemu,
        };
        var deployer = new Deployer(context);
        hub.Registered += deployer.Adopt;
        var setup = new DirectorSetup(context, deployer, new ServiceGroups.ServiceGroupSupervisor(context, deployer, options.SupervisorInterval));
        deployer.ResumeInterruptedRollouts();
        return setup;
    }

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(this);
        services.AddSingleton(Deployer);
        services.AddSingleton(Context.Hub);
        services.AddSingleton(Context.Nodes);
        services.AddSingleton(Context.Tasks);
        services.AddSingleton(Context.Grants);
        services.AddSingleton(Supervisor);
        services.AddSingleton(Patches);
        services.AddSingleton(NodeRollouts);
    }

    public void Dispose()
    {
        Supervisor.Dispose();
        Context.Store.Dispose();
    }
}

/// <summary>How the director runs.</summary>
/// <param name="Provider">pxe (wait for bare-metal nodes) or qemu (start emulated ones).</param>
public sealed record DirectorOptions(string Provider = "pxe")
{
    public QemuOptions? Qemu { get; init; }

    public AgentTimings? Timings { get; init; }

    public TimeProvider? Clock { get; init; }

    public TimeSpan NodeWait { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the service-group supervisor runs a round (null: 200 ms).</summary>
    public TimeSpan? SupervisorInterval { get; init; }
}
