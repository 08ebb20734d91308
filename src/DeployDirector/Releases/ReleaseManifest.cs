namespace DeployDirector.Releases;

/// <summary><c>release.yml</c>: the release's identity, its jobs, and every package file with its SHA-256.</summary>
public sealed record ReleaseManifest(string Name, string Version, IReadOnlyList<string> Jobs, IReadOnlyList<PackageSpec> Packages);
