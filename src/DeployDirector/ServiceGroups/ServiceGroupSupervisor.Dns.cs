using DeployDirector.Dns;

namespace DeployDirector.ServiceGroups;

/// <summary>The DNS face of the endpoint lists: answered from the last round's snapshot, never the store.</summary>
public sealed partial class ServiceGroupSupervisor : IEndpointDirectory
{
    private IReadOnlyList<ServiceEndpoints> _published = [];

    public IReadOnlyList<ServiceEndpoints> Groups() => Volatile.Read(ref _published);

    /// <summary>After each round: every group's available members with their addresses, and its ports.</summary>
    private void PublishDirectory(SupervisorView view, Dictionary<string, Manifest.InstanceGroup> groups)
    {
        // The round's own view of the nodes: no second scan of the store per round.
        var addresses = view.Nodes.Where(n => n.Address is not null).ToDictionary(n => n.Mac, n => n.Address!, StringComparer.Ordinal);
        IReadOnlyList<ServiceEndpoints> published = [.. view.Groups.Select(g =>
        {
            IReadOnlyList<string> available = _core.Endpoints(g.Key);
            MemberEndpoint[] members = [.. g.Instances
                .Where(i => available.Contains(i.Key) && i.Node is not null && addresses.ContainsKey(i.Node))
                .Select(i => new MemberEndpoint(i.Index, addresses[i.Node!]))];
            return new ServiceEndpoints(g.Deployment, g.Group, members, groups.TryGetValue(g.Key, out Manifest.InstanceGroup? group) ? group.Ports : new Dictionary<string, int>());
        })];
        Volatile.Write(ref _published, published);
    }
}
