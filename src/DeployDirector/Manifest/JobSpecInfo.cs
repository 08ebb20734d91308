namespace DeployDirector.Manifest;

/// <summary>What a release's job spec declares, as far as manifest validation needs it.</summary>
/// <param name="Properties">Dotted property names, e.g. <c>web.port</c>.</param>
/// <param name="Provides">Link names the job publishes.</param>
/// <param name="Consumes">Link names the job consumes → whether the link is optional.</param>
public sealed record JobSpecInfo(
    IReadOnlyCollection<string> Properties,
    IReadOnlyCollection<string> Provides,
    IReadOnlyDictionary<string, bool> Consumes);
