namespace DeployDirector.Manifest;

/// <summary>
/// What the reader could make of a manifest, with the positions the later checks point at. Items with
/// errors are left out, so the cross checks and the catalog checks see only well-formed ones and report
/// nothing twice.
/// </summary>
internal sealed class ManifestDraft
{
    public string? Name { get; set; }

    public List<ReleaseSite> Releases { get; } = [];

    /// <summary>Every release name given, even in an item with other errors: jobs that name it are not blamed.</summary>
    public HashSet<string> ReleaseNames { get; } = new(StringComparer.Ordinal);

    /// <summary>False when 'releases' itself is missing or malformed: jobs' release names are then not checked against it.</summary>
    public bool ReleasesListed { get; set; } = true;

    public List<StemcellSite> Stemcells { get; } = [];

    public bool StemcellsListed { get; set; } = true;

    public HashSet<string> StemcellAliases { get; } = new(StringComparer.Ordinal);

    public UpdatePolicy? Update { get; set; }

    public List<VariableDeclaration> Variables { get; } = [];

    public List<InstanceGroup> Groups { get; } = [];

    public List<JobSite> Jobs { get; } = [];

    /// <summary>Links published by jobs that have errors elsewhere: their consumers are not blamed.</summary>
    public List<(string Provider, IReadOnlyDictionary<string, string> Provides)> OtherProviders { get; } = [];
}

internal sealed record ReleaseSite(ReleaseRef Release, SourcePosition VersionPosition);

internal sealed record StemcellSite(StemcellRef Stemcell, SourcePosition EditionPosition);

/// <summary>A job as written, with the nodes and positions the link and catalog checks need.</summary>
internal sealed record JobSite(
    string Group,
    JobRef Job,
    SourcePosition NamePosition,
    ManifestMapping? PropertiesNode,
    IReadOnlyDictionary<string, SourcePosition> ProvideKeys,
    IReadOnlyDictionary<string, SourcePosition> ConsumeKeys,
    IReadOnlyDictionary<string, SourcePosition> FromPositions,
    SourcePosition? ConsumesKey);
