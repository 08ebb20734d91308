namespace DeployDirector.State;

/// <summary>A deployment's desired state: the manifest as uploaded and what deploy pinned it to.</summary>
/// <param name="Stemcells">Stemcell alias → the exact edition pinned at deploy (a lineage becomes its latest edition then).</param>
/// <param name="Releases">Release name → the exact version pinned at deploy ("latest" resolved then).</param>
/// <param name="Revision">Grows by one per successful deploy.</param>
public sealed record DeploymentRecord(
    string Name,
    string ManifestYaml,
    string ManifestFile,
    IReadOnlyDictionary<string, string> Stemcells,
    IReadOnlyDictionary<string, string> Releases,
    int Revision,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The desired state this one replaced (its own <see cref="Previous"/> dropped): what a rollback
    /// returns to, even after a director restart in the middle of a rollout.</summary>
    public DeploymentRecord? Previous { get; init; }
}
