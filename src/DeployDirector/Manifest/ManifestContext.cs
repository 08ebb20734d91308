namespace DeployDirector.Manifest;

/// <summary>One load's state: the errors found so far, the variables, and the walk's budget.</summary>
internal sealed class ManifestContext(string file, IReadOnlyDictionary<string, string> variables)
{
    /// <summary>Aliases can make a small file describe an exponential graph; no manifest needs more nodes.</summary>
    public const int MaxNodes = 100_000;

    private readonly List<ManifestError> _errors = [];
    private int _visited;
    private bool _overBudget;

    public IReadOnlyList<ManifestError> Errors => _errors;

    public int ErrorCount => _errors.Count;

    public IReadOnlyDictionary<string, string> Variables { get; } = variables;

    /// <summary>Records a problem; once the walk's budget is spent, later ones are consequences of the stop and dropped.</summary>
    public void Error(SourcePosition at, string message)
    {
        if (!_overBudget)
        {
            _errors.Add(new ManifestError(file, at.Line, at.Column, message));
        }
    }

    /// <summary>Counts a visit; false (and one error) once the budget is spent.</summary>
    public bool Visit(ManifestNode node)
    {
        if (_overBudget)
        {
            return false;
        }
        if (++_visited <= MaxNodes)
        {
            return true;
        }
        Error(node.Position, $"the manifest expands to more than {MaxNodes} nodes (aliases repeat what they point to): use fewer or smaller aliases");
        _overBudget = true;
        return false;
    }
}
