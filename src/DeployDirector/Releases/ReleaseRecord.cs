namespace DeployDirector.Releases;

/// <summary>An uploaded release as the catalog keeps it: the archive's hash and size (its blob) and
/// what was parsed from it. Package files are blobs of their own, by their SHA-256.</summary>
public sealed record ReleaseRecord(
    string Name,
    string Version,
    string Sha256,
    long Size,
    IReadOnlyList<JobSpec> Jobs,
    IReadOnlyList<PackageSpec> Packages);
