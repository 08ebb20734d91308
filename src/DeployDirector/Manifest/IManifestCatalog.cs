namespace DeployDirector.Manifest;

/// <summary>What the director knows, for the checks that need it (releases uploaded, editions, placement).</summary>
public interface IManifestCatalog
{
    /// <summary>The uploaded versions of <paramref name="release"/>; empty when it is not uploaded.</summary>
    IReadOnlyList<string> ReleaseVersions(string release);

    /// <summary>A job's spec; <paramref name="version"/> is already resolved ("latest" → newest). Null when absent.</summary>
    JobSpecInfo? Job(string release, string version, string job);

    bool EditionExists(string editionOrLineage);

    /// <summary>Null when the group can be placed; else what is wrong.</summary>
    string? PlacementProblem(InstanceGroup group);
}
