using DeployDirector.Manifest;
using DeployDirector.Releases;

namespace DeployDirector.Rendering;

/// <summary>One job of an instance to render.</summary>
/// <param name="Packages">The release's packages (the job's own are taken from them by name).</param>
/// <param name="Manifest">The manifest's entry for the job: its properties override the spec's defaults.</param>
/// <param name="Links">Consume name (as the job's spec names it) → what it resolved to.</param>
public sealed record RenderJob(
    JobSpec Spec,
    IReadOnlyList<PackageSpec> Packages,
    JobRef Manifest,
    IReadOnlyDictionary<string, ResolvedLink> Links);
