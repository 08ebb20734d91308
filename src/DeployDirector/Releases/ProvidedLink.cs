namespace DeployDirector.Releases;

/// <summary>A link the job provides. <paramref name="Properties"/> names the job's own properties that
/// consumers see through the link.</summary>
public sealed record ProvidedLink(string Name, string Type, IReadOnlyList<string> Properties);
