namespace DeployDirector.Rendering;

/// <summary>An instance that cannot be rendered, with every problem found (undeclared properties,
/// missing links, template errors with their positions, unreadable package files).</summary>
public sealed class RenderException(IReadOnlyList<string> problems)
    : Exception("cannot render the instance:" + string.Concat(problems.Select(p => "\n  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
