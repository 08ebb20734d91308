using DeployDirector.Contracts;
using DeployDirector.Live;
using DeployDirector.Planning;
using DeployDirector.State;

namespace DeployDirector.Running;

/// <summary>A deployment as operators list it.</summary>
public sealed record DeploymentView(string Name, int Revision, DateTimeOffset UpdatedAt, int Instances, int Running, IReadOnlyDictionary<string, string> Stemcells, IReadOnlyDictionary<string, string> Releases)
{
    public string? Manifest { get; init; }
}

/// <summary>An instance: the director's record joined with what its agent reports now.</summary>
public sealed record InstanceView(
    string Deployment, string Group, int Index, string Id, string? Node, string? Address, long Epoch, InstanceStatus Status, string Lifecycle,
    bool NodeAlive, string? Phase, IReadOnlyList<JobState> Jobs, IReadOnlyDictionary<string, string> Endpoints);

/// <summary>A stem-cell node: registration, labels, liveness, load, and what it holds.</summary>
public sealed record StemcellView(
    string Mac, string Provider, IReadOnlyDictionary<string, string> Labels, int Cores, long MemoryBytes, string? Address, bool Alive,
    string? Leaf, string? Edition, DateTimeOffset? RegisteredAt, string? Instance, LoadReport? Load, IReadOnlyDictionary<string, string> Endpoints)
{
    /// <summary>Keeps what it holds, takes nothing new, leaves endpoint lists.</summary>
    public bool Quiesced { get; init; }

    /// <summary>The service group (DEPLOYMENT/GROUP) it is a hot spare of.</summary>
    public string? SpareFor { get; init; }
}

public sealed partial class Deployer
{
    public IReadOnlyList<DeploymentView> Deployments() => [.. director.Store.Deployments().Select(View)];

    public DeploymentView Deployment(string name) =>
        View(director.Store.Deployment(name) ?? throw NoDeployment(name)) with { Manifest = director.Store.Deployment(name)!.ManifestYaml };

    public IReadOnlyList<InstanceView> Instances(string deployment)
    {
        _ = director.Store.Deployment(deployment) ?? throw NoDeployment(deployment);
        return [.. director.Store.Instances(deployment).Select(View)];
    }

    public IReadOnlyList<StemcellView> Stemcells()
    {
        Dictionary<string, string> held = HeldBy();
        return [.. director.Nodes.All().Select(n =>
        {
            LiveAgent? live = director.Hub.Find(n.Mac);
            return new StemcellView(n.Mac, n.Provider, n.Labels, n.Cores, n.MemoryBytes, n.Address, director.Hub.IsAlive(n.Mac), n.Leaf, n.Edition, n.RegisteredAt,
                held.GetValueOrDefault(n.Mac), live?.Load, n.Endpoints)
            {
                Quiesced = n.Quiesced,
                SpareFor = n.SpareFor,
            };
        })];
    }

    public StemcellView Label(string mac, IReadOnlyDictionary<string, string?> labels)
    {
        director.Nodes.SetLabels(Mac(mac), labels);
        return Stemcells().First(s => s.Mac == Mac(mac));
    }

    /// <summary>Forgets an idle node (stopping its VM when the qemu provider made it).</summary>
    public StemcellView DeleteStemcell(string mac)
    {
        mac = Mac(mac);
        StemcellView node = Stemcells().FirstOrDefault(s => s.Mac == mac) ?? throw new DirectorException(DirectorError.NotFound, $"no stem-cell node {mac}");
        if (node.Instance is not null)
        {
            throw new DirectorException(DirectorError.Conflict, $"{mac} holds {node.Instance}; change or delete that deployment first");
        }
        (director.Provider as Providers.Qemu.QemuProvider)?.Delete(mac);
        director.Nodes.Remove(mac);
        return node;
    }

    /// <summary>Node facts for placement: registered nodes, whether their agents heartbeat, what they hold.</summary>
    internal IReadOnlyList<NodeFacts> NodeFacts()
    {
        Dictionary<string, string> held = HeldBy();
        return [.. director.Nodes.All().Where(n => n.RegisteredAt is not null).Select(n => Facts(n, held.GetValueOrDefault(n.Mac)))];
    }

    private NodeFacts Facts(NodeAgentRecord node, string? heldBy) =>
        new(node.Mac, node.Labels, node.Cores, node.MemoryBytes, director.Hub.IsAlive(node.Mac), heldBy)
        {
            Closed = node.Quiesced || node.Worker || director.Fence.IsFenced(node.Mac),
            SpareFor = node.SpareFor,
        };

    /// <summary>Facts and addresses of just the nodes <paramref name="instances"/> name: rendering one
    /// instance places nothing, so it needs no other node (at 10,000 nodes a full scan per render is
    /// what a hot spare's copies would cost).</summary>
    internal (IReadOnlyList<NodeFacts> Nodes, IReadOnlyDictionary<string, string> Addresses) FactsOf(IReadOnlyList<InstanceRecord> instances)
    {
        var held = instances.Where(i => i.Node is not null).GroupBy(i => i.Node!).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        NodeAgentRecord[] nodes = [.. held.Keys.Select(director.Nodes.Find).OfType<NodeAgentRecord>()];
        return ([.. nodes.Where(n => n.RegisteredAt is not null).Select(n => Facts(n, held[n.Mac]))],
            nodes.Where(n => n.Address is not null).ToDictionary(n => n.Mac, n => n.Address!, StringComparer.Ordinal));
    }

    internal IReadOnlyDictionary<string, string> Addresses() =>
        director.Nodes.All().Where(n => n.Address is not null).ToDictionary(n => n.Mac, n => n.Address!, StringComparer.Ordinal);

    private Dictionary<string, string> HeldBy() =>
        director.Store.AllInstances().Where(i => i.Node is not null).GroupBy(i => i.Node!).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);

    private DeploymentView View(DeploymentRecord d)
    {
        IReadOnlyList<InstanceRecord> instances = director.Store.Instances(d.Name);
        return new DeploymentView(d.Name, d.Revision, d.UpdatedAt, instances.Count, instances.Count(i => i.Status == InstanceStatus.Running), d.Stemcells, d.Releases);
    }

    private InstanceView View(InstanceRecord i)
    {
        LiveAgent? live = i.Node is null ? null : director.Hub.Find(i.Node);
        InstanceState? state = live?.Instances.FirstOrDefault(s => s.Instance.Id == i.Id);
        NodeAgentRecord? node = i.Node is null ? null : director.Nodes.Find(i.Node);
        return new InstanceView(i.Deployment, i.Group, i.Index, i.Id, i.Node, node?.Address, i.Epoch, i.Status, i.Lifecycle,
            i.Node is not null && director.Hub.IsAlive(i.Node), state?.Phase, state?.Jobs ?? [], node?.Endpoints ?? new Dictionary<string, string>());
    }

    /// <summary>A MAC as the tree and the director store it; anything else is a 400 that shows the form.</summary>
    internal static string Mac(string mac)
    {
        try
        {
            return ImageTree.Tree.ImageTreeService.NormalizeMac(mac);
        }
        catch (UnionBlock.Store.StoreException invalid)
        {
            throw new DirectorException(DirectorError.Invalid, invalid.Message);
        }
    }

    private static DirectorException NoDeployment(string name) =>
        new(DirectorError.NotFound, $"no deployment '{name}'; 'ubd deployment list' shows them, 'ubd deploy MANIFEST' creates one");
}
