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
}
