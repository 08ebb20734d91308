namespace DeployDirector.Releases;

/// <summary>A job of a release, from its <c>job.yml</c>, with its templates' text (so a spec alone is
/// enough to render the job).</summary>
/// <param name="Properties">Declared properties by dotted name.</param>
public sealed record JobSpec(
    string Name,
    IReadOnlyList<JobTemplate> Templates,
    IReadOnlyList<string> Packages,
    IReadOnlyDictionary<string, PropertySpec> Properties,
    IReadOnlyList<ProvidedLink> Provides,
    IReadOnlyList<ConsumedLink> Consumes);
