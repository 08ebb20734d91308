namespace DeployDirector.Releases;

/// <summary>A file of a package. <paramref name="Path"/> is relative to the package's folder, with
/// <c>/</c> separators; <paramref name="Sha256"/> is lower-case hex.</summary>
public sealed record PackageFile(string Path, string Sha256, bool Executable);
