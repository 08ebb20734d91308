namespace UnionBlock.Union;

/// <summary>What a quota reports when a leaf's usage crosses one of its limits.</summary>
public enum QuotaEventKind
{
    /// <summary>Referenced bytes went above the soft limit.</summary>
    SoftExceeded,
    /// <summary>A write was refused with ENOSPC because it would pass the hard limit.</summary>
    HardReached,
}

/// <summary>
/// A leaf's quota, counted as the blocks its disk references (blocks that read as allocated through
/// the whole chain, like ZFS refquota). Only writes that turn a hole into data can be refused: a block
/// that block status reported allocated is always writable (NBD's copy-on-write rule), and its
/// copy-up does not change the count, so the limit holds without reserving space per block.
/// </summary>
public sealed class DeviceQuota(long hardBlocks, long softBlocks, long referencedBlocks)
{
    internal readonly Lock Gate = new();

    public long HardBlocks { get; } = hardBlocks;

    public long SoftBlocks { get; } = softBlocks;

    /// <summary>Blocks the disk references now.</summary>
    public long ReferencedBlocks { get; internal set; } = referencedBlocks;

    internal bool SoftReported { get; set; } = softBlocks > 0 && referencedBlocks > softBlocks;
}
