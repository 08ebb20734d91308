namespace DeployDirector.Releases;

/// <summary>A package: plain files under <c>packages/NAME/</c>, sorted by path.</summary>
public sealed record PackageSpec(string Name, IReadOnlyList<PackageFile> Files);
