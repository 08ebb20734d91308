using System.Text.Json.Serialization;
using DeployDirector.Manifest;

namespace DeployDirector.Planning;

/// <summary>
/// What a deploy will do, instance by instance: computed from the manifest and the director's state
/// without writing anything (<c>ubd deploy plan</c> shows it; deploy applies it).
/// </summary>
public sealed record DeployPlan(
    string Deployment,
    IReadOnlyDictionary<string, string> Stemcells,
    IReadOnlyDictionary<string, string> Releases,
    IReadOnlyList<InstanceChange> Changes,
    IReadOnlyList<Shortfall> Shortfalls)
{
    [JsonIgnore]
    public DeploymentManifest Manifest { get; init; } = null!;

    public bool ChangesNothing => Shortfalls.Count == 0 && Changes.All(c => c.Action == ChangeAction.Keep);
}

/// <summary>One instance's fate.</summary>
/// <param name="Id">Null for an instance that does not exist yet.</param>
/// <param name="Node">Where it will be (null while no node can take it).</param>
/// <param name="FromNode">For a move: the node it leaves.</param>
/// <param name="Layer">The edition or branch its node's leaf must sit on.</param>
public sealed record InstanceChange(string Group, int Index, string? Id, ChangeAction Action, string? Node, string? FromNode, string Layer, string Reason)
{
    [JsonIgnore]
    public RenderedArchive? Archive { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ChangeAction>))]
public enum ChangeAction
{
    Create,
    Update,
    Keep,
    Delete,
}

/// <summary>An instance's rendered archive: its bytes, their SHA-256 and the spec inside.</summary>
public sealed record RenderedArchive(byte[] Bytes, string Sha256, Contracts.InstanceSpec Spec);
