namespace DeployDirector.Manifest;

/// <summary>A loaded manifest, or every problem found in it (never both).</summary>
public sealed record ManifestResult(DeploymentManifest? Manifest, IReadOnlyList<ManifestError> Errors)
{
    public bool Ok => Manifest is not null && Errors.Count == 0;
}
