using DeployDirector.Live;
using DeployDirector.Providers;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Tree;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Running;

/// <summary>The director's parts, composed once by the host and shared by the deployer and the applier.</summary>
public sealed class DirectorContext
{
    public required DirectorStore Store { get; init; }

    public required AgentHub Hub { get; init; }

    public required NodeRegistry Nodes { get; init; }

    public required ArchiveGrants Grants { get; init; }

    public required InstanceArchives Archives { get; init; }

    public required ImageTreeService Tree { get; init; }

    public required IInfrastructureProvider Provider { get; init; }

    public required DirectorTasks Tasks { get; init; }

    public required Releases.ReleaseCatalog Releases { get; init; }

    public required TimeProvider Clock { get; init; }

    public required ILogger Log { get; init; }

    /// <summary>Cuts dead nodes off their disks (service-group failover).</summary>
    public required ServiceGroups.IStorageFence Fence { get; init; }

    /// <summary>Where patch workers come from (null: the server has no boot files, so it cannot launch VMs).</summary>
    public Providers.Qemu.QemuProvider? Workers { get; init; }

    /// <summary>How long a deploy waits for nodes a provider is bringing up.</summary>
    public TimeSpan NodeWait { get; init; } = TimeSpan.FromMinutes(10);
}
