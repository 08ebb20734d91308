namespace NodeAgent.Archive;

/// <summary>Bounds on what an instance archive may unpack to.</summary>
internal sealed record ArchiveLimits(long MaxBytes, int MaxEntries)
{
    public static ArchiveLimits Default { get; } = new(1L << 30, 20_000);
}
