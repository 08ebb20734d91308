using DeployDirector.Manifest;

namespace DeployDirector.Providers;

/// <summary>
/// BOSH's CPI idea: the director asks for machines and they come up as stem cells whose agents
/// register. Providers know nothing of deployments beyond what a group needs.
/// </summary>
public interface IInfrastructureProvider
{
    /// <summary>pxe or qemu.</summary>
    string Name { get; }

    /// <summary>Why this provider could never give a node for the group, or null.</summary>
    string? Impossible(InstanceGroup group, IReadOnlyCollection<IReadOnlyDictionary<string, string>> knownLabels);

    /// <summary>Brings up (or asks for) <paramref name="count"/> more nodes fit for <paramref name="group"/> booting
    /// <paramref name="layer"/>; returns when they are on their way (the caller waits for their agents).</summary>
    Task<string> ProvisionAsync(InstanceGroup group, string layer, int count, CancellationToken cancellationToken);

    /// <summary>Gives back a node the director no longer needs (autoscaling shrank its group; it holds
    /// nothing). Machines the provider made are deleted and forgotten, their leaf deleted when
    /// <paramref name="deleteLeaf"/>; machines it cannot delete go back to the idle pool. Returns what
    /// was done.</summary>
    Task<NodeRelease> ReleaseAsync(string mac, bool deleteLeaf, CancellationToken cancellationToken);
}

/// <summary>What a provider did with a node given back.</summary>
/// <param name="Deleted">True: the machine is gone and forgotten; false: it is still there, idle.</param>
/// <param name="Said">In words, for the group's events.</param>
public sealed record NodeRelease(bool Deleted, string Said);
