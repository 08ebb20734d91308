using UnionBlock.Checksums;

namespace UnionBlock.Frozen;

/// <summary>
/// Builds a frozen layer from blocks given in ascending order: data goes to the data file in the
/// order given (so sequential reads of the layer stay sequential), the index is written last.
/// </summary>
public sealed class FrozenLayerWriter : IDisposable
{
    private readonly string _directory;
    private readonly Guid _layerId;
    private readonly long _deviceBlocks;
    private readonly FileStream _data;
    private readonly List<FrozenEntry> _entries = [];
    private uint _nextSlot;
    private long _lastBlock = -1;
    private bool _completed;

    internal FrozenLayerWriter(string directory, Guid layerId, long deviceBlocks)
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        _layerId = layerId;
        _deviceBlocks = deviceBlocks;
        _data = new FileStream(Path.Combine(directory, FrozenIndexFile.DataFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public long DataBlocks => _nextSlot;

    /// <summary>Adds whole blocks of data starting at <paramref name="firstBlock"/>.</summary>
    public void AddData(long firstBlock, ReadOnlySpan<byte> blocks)
    {
        for (int i = 0; i * Blocks.Size < blocks.Length; i++)
        {
            ReadOnlySpan<byte> block = blocks.Slice(i * Blocks.Size, Blocks.Size);
            Order(firstBlock + i);
            _data.Write(block);
            _entries.Add(new FrozenEntry(firstBlock + i, _nextSlot++, Crc32C.Compute(block)));
        }
    }

    /// <summary>Adds blocks that read as zeros and mask the layers below.</summary>
    public void AddZero(long firstBlock, long count)
    {
        for (long b = firstBlock; b < firstBlock + count; b++)
        {
            Order(b);
            _entries.Add(new FrozenEntry(b, FrozenIndexFile.ZeroSlot, 0));
        }
    }

    /// <summary>Makes the data durable, then writes the index: a layer without its index does not exist.</summary>
    public void Complete()
    {
        _data.Flush(flushToDisk: true);
        _data.Dispose();
        FrozenIndexFile.Write(_directory, _layerId, _deviceBlocks, _entries);
        _completed = true;
    }

    public void Dispose()
    {
        _data.Dispose();
        if (!_completed)
        {
            File.Delete(Path.Combine(_directory, FrozenIndexFile.DataFileName));
        }
    }

    private void Order(long block)
    {
        if (block <= _lastBlock || block >= _deviceBlocks)
        {
            throw new InvalidOperationException($"frozen layer blocks must be added in ascending order within the device (block {block})");
        }
        _lastBlock = block;
    }
}
