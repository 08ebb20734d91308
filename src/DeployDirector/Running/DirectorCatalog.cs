using DeployDirector.Manifest;
using DeployDirector.Releases;

namespace DeployDirector.Running;

/// <summary>What manifest validation asks of the director: uploaded releases and their jobs, the
/// image tree's editions, and whether the provider could ever place a group.</summary>
internal sealed class DirectorCatalog(DirectorContext director) : IManifestCatalog
{
    public IReadOnlyList<string> ReleaseVersions(string release) => director.Releases.Versions(release);

    public JobSpecInfo? Job(string release, string version, string job) =>
        director.Releases.Job(release, version, job) is { } spec
            ? new JobSpecInfo([.. spec.Properties.Keys], [.. spec.Provides.Select(p => p.Name)], spec.Consumes.ToDictionary(c => c.Name, c => c.Optional, StringComparer.Ordinal))
            : null;

    public bool EditionExists(string editionOrLineage) => director.Tree.TryResolve(editionOrLineage) is { IsFrozen: true };

    public string? PlacementProblem(InstanceGroup group)
    {
        IReadOnlyCollection<IReadOnlyDictionary<string, string>> labels = [.. director.Nodes.All().Select(n => n.Labels)];
        return director.Provider.Impossible(group, labels);
    }
}
