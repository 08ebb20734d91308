using Microsoft.Win32.SafeHandles;
using UnionBlock.Checksums;

namespace UnionBlock.Frozen;

/// <summary>An immutable branch: a sorted index loaded in memory and a data file read in place.</summary>
internal sealed class FrozenLayer : IDisposable
{
    private readonly SafeFileHandle _data;

    private FrozenLayer(Guid id, string directory, FrozenEntry[] entries, SafeFileHandle data)
    {
        Id = id;
        Directory = directory;
        Entries = entries;
        _data = data;
    }

    public Guid Id { get; }

    public string Directory { get; }

    public IReadOnlyList<FrozenEntry> Entries { get; }

    public static FrozenLayer Open(string directory, Guid id, long deviceBlocks)
    {
        FrozenEntry[] entries = FrozenIndexFile.Read(directory, id, deviceBlocks);
        SafeFileHandle data = File.OpenHandle(Path.Combine(directory, FrozenIndexFile.DataFileName), FileMode.Open, FileAccess.Read, FileShare.Read);
        return new FrozenLayer(id, directory, entries, data);
    }

    /// <summary>Reads whole blocks starting at data slot <paramref name="slot"/>.</summary>
    public void ReadSlots(uint slot, Span<byte> destination)
    {
        long offset = (long)slot << Blocks.Shift;
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_data, destination, offset);
            if (read <= 0)
            {
                throw new CorruptLayerException(Path.Combine(Directory, FrozenIndexFile.DataFileName), $"data ends before slot {slot}");
            }
            destination = destination[read..];
            offset += read;
        }
    }

    /// <summary>Checks a block read from this layer against the checksum its index stored.</summary>
    public void Verify(uint expectedCrc, ReadOnlySpan<byte> block, long blockNumber)
    {
        if (Crc32C.Compute(block) != expectedCrc)
        {
            throw new CorruptLayerException(Path.Combine(Directory, FrozenIndexFile.DataFileName), $"checksum mismatch in block {blockNumber}");
        }
    }

    public void Dispose() => _data.Dispose();
}
