namespace DeployDirector.Releases;

/// <summary>A release's name and version are already uploaded with different bytes: versions are immutable.</summary>
public sealed class ReleaseConflictException(string name, string version, string existingSha256, string uploadedSha256)
    : ReleaseException($"release {name}/{version} is already uploaded with sha256 {existingSha256}; the upload has {uploadedSha256} (upload it as a new version)")
{
    public string Name { get; } = name;

    public string Version { get; } = version;

    public string ExistingSha256 { get; } = existingSha256;

    public string UploadedSha256 { get; } = uploadedSha256;
}
