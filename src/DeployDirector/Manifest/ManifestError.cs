namespace DeployDirector.Manifest;

/// <summary>One problem in a manifest: where it is (1-based) and what to do about it.</summary>
public sealed record ManifestError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
