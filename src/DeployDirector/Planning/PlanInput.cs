using DeployDirector.Manifest;
using DeployDirector.State;

namespace DeployDirector.Planning;

/// <summary>Everything a deploy plan depends on, gathered before planning so planning is pure.</summary>
/// <param name="GroupLayers">Instance group → the edition or branch its nodes' leaves must sit on.</param>
/// <param name="Publishers">Published link name → the groups whose jobs provide it.</param>
/// <param name="Addresses">Node MAC → the address its agent reported.</param>
public sealed record PlanInput(
    DeploymentManifest Manifest,
    IReadOnlyDictionary<string, string> Stemcells,
    IReadOnlyDictionary<string, string> Releases,
    IReadOnlyDictionary<string, string> GroupLayers,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Publishers,
    IReadOnlyList<InstanceRecord> Existing,
    IReadOnlyList<NodeFacts> Nodes,
    IReadOnlyDictionary<string, string> Addresses)
{
    /// <summary>Node MAC → the edition its leaf sits on now (for the nodes that hold the deployment's instances).</summary>
    public IReadOnlyDictionary<string, string> NodeEditions { get; init; } = new Dictionary<string, string>();

    /// <summary>Instance group → the edition its layer names now (a lineage resolved to its latest; absent when
    /// the group's branch does not exist yet).</summary>
    public IReadOnlyDictionary<string, string> GroupEditions { get; init; } = new Dictionary<string, string>();
}

/// <summary>What rendering one instance needs beyond the manifest.</summary>
/// <param name="Links">Published link name → the instances of the groups that provide it.</param>
public sealed record RenderInput(Contracts.InstanceRef Instance, InstanceGroup Group, string Address, IReadOnlyDictionary<string, IReadOnlyList<LinkMember>> Links);

/// <summary>An instance as a link consumer sees it.</summary>
public sealed record LinkMember(string Group, int Index, string Id, string Address);
