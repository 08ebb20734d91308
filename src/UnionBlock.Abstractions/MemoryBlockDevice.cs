using System.Buffers;

namespace UnionBlock.Abstractions;

/// <summary>
/// A device held in a byte array. It is the reference the other devices are compared with and lets
/// protocol tests run without storage. Every range is reported as allocated data at depth 1, except
/// ranges zeroed or trimmed without NoHole, which are reported as holes.
/// </summary>
public sealed class MemoryBlockDevice : IBlockDevice
{
    private const int ChunkSize = 4096;
    private readonly byte[] _data;
    private readonly bool[] _hole;
    private readonly Lock _gate = new();

    public MemoryBlockDevice(long size, bool readOnly = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Array.MaxLength);
        _data = new byte[size];
        _hole = new bool[(size + ChunkSize - 1) / ChunkSize];
        Capabilities = readOnly
            ? DeviceCapabilities.Extents | DeviceCapabilities.Cache | DeviceCapabilities.Flush
            : DeviceCapabilities.Write | DeviceCapabilities.Flush | DeviceCapabilities.Fua | DeviceCapabilities.Trim
              | DeviceCapabilities.WriteZeroes | DeviceCapabilities.FastZero | DeviceCapabilities.Extents
              | DeviceCapabilities.MultiConnConsistent | DeviceCapabilities.Cache;
    }

    public long Size => _data.LongLength;

    public DeviceCapabilities Capabilities { get; }

    public BlockGeometry Geometry => BlockGeometry.Default;

    public BlockError Read(long offset, Span<byte> destination)
    {
        lock (_gate)
        {
            _data.AsSpan((int)offset, destination.Length).CopyTo(destination);
        }
        return BlockError.None;
    }

    public BlockError Write(long offset, in ReadOnlySequence<byte> data)
    {
        lock (_gate)
        {
            data.CopyTo(_data.AsSpan((int)offset, (int)data.Length));
            MarkData(offset, data.Length);
        }
        return BlockError.None;
    }

    public BlockError WriteZeroes(long offset, long length, ZeroFlags flags)
    {
        lock (_gate)
        {
            _data.AsSpan((int)offset, (int)length).Clear();
            if ((flags & ZeroFlags.NoHole) == 0)
            {
                MarkHoles(offset, length);
            }
            else
            {
                MarkData(offset, length);
            }
        }
        return BlockError.None;
    }

    public BlockError Trim(long offset, long length) => WriteZeroes(offset, length, ZeroFlags.None);

    public ValueTask<BlockError> FlushAsync(CancellationToken cancellationToken = default) => new(BlockError.None);

    public BlockError GetExtents(long offset, long length, List<Extent> into)
    {
        lock (_gate)
        {
            long end = offset + length;
            long position = offset;
            while (position < end)
            {
                bool hole = _hole[position / ChunkSize];
                long next = Math.Min(end, (position / ChunkSize + 1) * ChunkSize);
                ExtentList.Append(into, new Extent(position, next - position, hole, hole, hole ? 0 : 1));
                position = next;
            }
        }
        return BlockError.None;
    }

    public void Dispose()
    {
    }

    private void MarkData(long offset, long length)
    {
        for (long chunk = offset / ChunkSize; chunk * ChunkSize < offset + length; chunk++)
        {
            _hole[chunk] = false;
        }
    }

    private void MarkHoles(long offset, long length)
    {
        // Only whole chunks become holes; a partly zeroed chunk still holds data around the zeros.
        long first = (offset + ChunkSize - 1) / ChunkSize;
        long last = (offset + length) / ChunkSize;
        if (offset + length == Size)
        {
            last = _hole.Length;
        }
        for (long chunk = first; chunk < last; chunk++)
        {
            _hole[chunk] = true;
        }
    }
}
