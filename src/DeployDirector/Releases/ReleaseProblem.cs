namespace DeployDirector.Releases;

/// <summary>One thing wrong with a release: the file inside the archive, the position when known
/// (1-based), and what is wrong.</summary>
public sealed record ReleaseProblem(string Path, int? Line, int? Column, string Message)
{
    public override string ToString() => Line is { } line ? $"{Path}:{line}:{Column}: {Message}" : $"{Path}: {Message}";
}
