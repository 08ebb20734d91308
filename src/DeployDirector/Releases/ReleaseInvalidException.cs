namespace DeployDirector.Releases;

/// <summary>A release archive (or a release source folder) that is not valid; lists every problem found.</summary>
public sealed class ReleaseInvalidException(IReadOnlyList<ReleaseProblem> problems)
    : ReleaseException("invalid release:" + string.Concat(problems.Select(p => "\n  " + p)))
{
    public IReadOnlyList<ReleaseProblem> Problems { get; } = problems;
}
