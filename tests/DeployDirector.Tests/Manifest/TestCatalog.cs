using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>A director that holds the sample manifest's releases, jobs and editions.</summary>
internal sealed class TestCatalog : IManifestCatalog
{
    public Dictionary<string, string[]> Releases { get; } = new()
    {
        ["demo"] = ["1", "2", "10"],
        ["other"] = ["0.9", "0.10", "0.2"],
    };

    public Dictionary<string, JobSpecInfo> Jobs { get; } = new()
    {
        ["demo/httpd"] = new(["port", "title", "tls.enabled", "tls.cert", "ratio", "tags"], ["web"], new Dictionary<string, bool> { ["backend"] = false, ["cache"] = true }),
        ["demo/run"] = new([], [], new Dictionary<string, bool>()),
        ["other/server"] = new(["threads"], ["backend"], new Dictionary<string, bool> { ["web"] = false }),
    };

    public HashSet<string> Editions { get; } = ["stemcell", "stemcell@1", "stemcell@2"];

    public Dictionary<string, string> Unplaceable { get; } = [];

    public List<(string Release, string Version, string Job)> JobLookups { get; } = [];

    public IReadOnlyList<string> ReleaseVersions(string release) => Releases.GetValueOrDefault(release) ?? [];

    public JobSpecInfo? Job(string release, string version, string job)
    {
        JobLookups.Add((release, version, job));
        return Releases.GetValueOrDefault(release)?.Contains(version) == true ? Jobs.GetValueOrDefault($"{release}/{job}") : null;
    }

    public bool EditionExists(string editionOrLineage) => Editions.Contains(editionOrLineage);

    public string? PlacementProblem(InstanceGroup group) => Unplaceable.GetValueOrDefault(group.Name);
}
