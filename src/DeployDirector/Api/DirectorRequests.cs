namespace DeployDirector.Api;

/// <summary>A manifest sent to deploy or plan: its text, the file name errors point into, and variables.</summary>
public sealed record ManifestRequest(string Manifest, string? File, IReadOnlyDictionary<string, string>? Variables);

/// <summary>Label changes for a stem-cell node: a null value removes the label.</summary>
public sealed record LabelsRequest(IReadOnlyDictionary<string, string?> Labels);

/// <summary>Makes a stem-cell node a hot spare of the service group DEPLOYMENT/GROUP.</summary>
public sealed record SpareRequest(string? Group);

/// <summary>A rollout's target: an edition (or a lineage, for its latest); <paramref name="AcceptConflicts"/>
/// moves nodes that keep their leaf even where they wrote blocks the edition changes too.</summary>
public sealed record RolloutRequest(string? To, bool AcceptConflicts = false);
