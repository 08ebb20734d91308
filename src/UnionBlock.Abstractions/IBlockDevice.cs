using System.Buffers;

namespace UnionBlock.Abstractions;

/// <summary>
/// A byte-addressed virtual disk. Callers validate ranges, alignment and capabilities before they
/// call (the protocol layer does this in one place); devices trust their input. Reads, writes, trims
/// and zeroing complete synchronously (page-cache speed); durability is asked for with
/// <see cref="FlushAsync"/>, which may wait for a group commit.
/// </summary>
public interface IBlockDevice : IDisposable
{
    /// <summary>Size in bytes, a multiple of <see cref="BlockGeometry.MinimumIo"/>.</summary>
    long Size { get; }

    DeviceCapabilities Capabilities { get; }

    BlockGeometry Geometry { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>.</summary>
    BlockError Read(long offset, Span<byte> destination);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>. The write is visible to
    /// every reader when this returns, and durable after the next completed flush.</summary>
    BlockError Write(long offset, in ReadOnlySequence<byte> data);

    /// <summary>Makes the range read as zeros.</summary>
    BlockError WriteZeroes(long offset, long length, ZeroFlags flags);

    /// <summary>A hint that the range is no longer needed; it may read back as zeros afterwards.</summary>
    BlockError Trim(long offset, long length);

    /// <summary>Completes when every write that completed before the call is on stable storage.</summary>
    ValueTask<BlockError> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Appends to <paramref name="into"/> the extents covering [offset, offset+length),
    /// merged where adjacent extents share a state.</summary>
    BlockError GetExtents(long offset, long length, List<Extent> into);
}
