using DeployDirector.Manifest;

namespace DeployDirector.Providers;

/// <summary>
/// Bare metal: nodes come when someone powers them on and they PXE-boot. Provisioning is a request
/// to an operator (in the task's events); the deploy waits for the agents to register.
/// </summary>
public sealed class PxeProvider : IInfrastructureProvider
{
    public string Name => "pxe";

    public string? Impossible(InstanceGroup group, IReadOnlyCollection<IReadOnlyDictionary<string, string>> knownLabels)
    {
        if (group.Placement.Labels.Count == 0 || group.Instances == 0)
        {
            return null;
        }
        bool anyMatches = knownLabels.Any(labels => group.Placement.Labels.All(l => labels.TryGetValue(l.Key, out string? v) && v == l.Value));
        string wanted = string.Join(",", group.Placement.Labels.Select(l => $"{l.Key}={l.Value}"));
        return anyMatches ? null : $"no stem-cell node has the labels {wanted}; label booted nodes first: ubd stemcell label MAC {wanted}";
    }

    public Task<string> ProvisionAsync(InstanceGroup group, string layer, int count, CancellationToken cancellationToken) =>
        Task.FromResult($"power on {count} more node(s) for group {group.Name} ({Planning.Placement.Describe(group)}); they PXE-boot and register");

    /// <summary>Bare metal cannot be deleted: the node returns to the idle pool, still booted from its
    /// leaf, which is therefore kept whatever the policy says.</summary>
    public Task<NodeRelease> ReleaseAsync(string mac, bool deleteLeaf, CancellationToken cancellationToken) =>
        Task.FromResult(new NodeRelease(false,
            $"{mac} is an idle stem cell again (bare metal is not deleted: power it off if it is not needed; its leaf is kept, as the node still boots from it)"));
}
