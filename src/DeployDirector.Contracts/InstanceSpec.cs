namespace DeployDirector.Contracts;

/// <summary>
/// <c>instance.json</c> at the top of an instance archive (a gzip'd tar): what the agent needs to
/// run the instance. The archive holds <c>jobs/JOB/…</c> (rendered templates; files under
/// <c>bin/</c> are executable) and <c>packages/PACKAGE/…</c>. A job runs <c>jobs/JOB/bin/run</c>
/// (supervised, restarted with backoff); optional <c>bin/drain</c> (prints how many seconds to wait,
/// BOSH's drain contract: a negative number means "ask me again after that many seconds"),
/// <c>bin/pre-start</c> and <c>bin/health</c> (exit 0 = healthy).
/// </summary>
public sealed record InstanceSpec
{
    public required InstanceRef Instance { get; init; }

    /// <summary>service (kept running) or errand (run to completion on request).</summary>
    public required string Lifecycle { get; init; }

    public required string Address { get; init; }

    public IReadOnlyList<string> Jobs { get; init; } = [];

    /// <summary>Every file of the archive but this one, with its SHA-256: the agent checks each.</summary>
    public IReadOnlyList<ArchiveFile> Files { get; init; } = [];
}

/// <summary>A file in an instance archive.</summary>
public sealed record ArchiveFile(string Path, string Sha256, bool Executable);

public static class Lifecycle
{
    public const string Service = "service";
    public const string Errand = "errand";
}
