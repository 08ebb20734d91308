namespace DeployDirector.Releases;

/// <summary>What one release archive may hold: uploads come from outside the director.</summary>
public static class ReleaseLimits
{
    public const int MaxEntries = 10_000;

    /// <summary>Uncompressed bytes of all entries (512 MiB).</summary>
    public const long MaxTotalBytes = 512L * 1024 * 1024;

    /// <summary>release.yml, job.yml and templates are read into memory: each at most 1 MiB.</summary>
    public const int MaxTextFileBytes = 1024 * 1024;
}
