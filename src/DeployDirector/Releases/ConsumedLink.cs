namespace DeployDirector.Releases;

/// <summary>A link the job consumes; a required one must have at least one instance to render.</summary>
public sealed record ConsumedLink(string Name, string Type, bool Optional);
