using Microsoft.Win32.SafeHandles;

namespace UnionBlock.Leaf;

/// <summary>
/// A node's writable layer: an append-only block modification log and the in-memory index derived
/// from it (block → log offset of its newest data, or a zero entry). The log is the source of truth;
/// the index is rebuilt on open, starting from a checkpoint when one matches.
/// Order of every write: append the record, then publish its index entries; durability comes from
/// <see cref="FlushAsync"/> (group commit).
/// </summary>
internal sealed partial class LeafLayer : IDisposable
{
    private readonly SafeFileHandle _log;
    private readonly BlockMap _map;

    private LeafLayer(string directory, Guid id, long generation, long size, SafeFileHandle log, BlockMap map)
    {
        Directory = directory;
        Id = id;
        Generation = generation;
        Size = size;
        _log = log;
        _map = map;
    }

    public string Directory { get; }

    public Guid Id { get; }

    /// <summary>Which log file is current; a rewrite (compaction, freeze) moves to the next one.</summary>
    public long Generation { get; }

    public long Size { get; }

    public long BlockCount => _map.BlockCount;

    /// <summary>Blocks this leaf maps (data or zero).</summary>
    public long MappedBlocks => _map.Count;

    /// <summary>Bytes of log written, live or dead.</summary>
    public long LogLength => Volatile.Read(ref _end);

    public string LogPath => LogFilePath(Directory, Generation);

    public static string LogFilePath(string directory, long generation) =>
        Path.Combine(directory, $"log-{generation}.ublog");

    /// <summary>The entry for <paramref name="block"/>: see <see cref="LeafEntry"/>.</summary>
    public long Lookup(long block) => _map.Get(block);

    /// <summary>Every block this leaf maps and its entry, in block order.</summary>
    public IEnumerable<(long Block, long Entry)> Entries() => _map.Entries();

    /// <summary>Reads block data from the log at an offset the index returned.</summary>
    public void ReadData(long dataOffset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_log, destination, dataOffset);
            if (read <= 0)
            {
                throw new CorruptLayerException(LogPath, $"log ends before offset {dataOffset}");
            }
            destination = destination[read..];
            dataOffset += read;
        }
    }

    public void Dispose()
    {
        lock (_checkpointLock)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                if (!_abandoned)
                {
                    CommitNow();
                    WriteCheckpointLocked();
                }
            }
            finally
            {
                _disposed = true;
                _log.Dispose();
                _commitGate.Dispose();
            }
        }
    }

    /// <summary>Closes the files without committing or checkpointing: what a crash leaves behind.
    /// Tests use it to simulate kill -9; a rewrite uses it on the log it replaced.</summary>
    public void Abandon()
    {
        _abandoned = true;
        Dispose();
    }

    private bool _disposed;
    private bool _abandoned;
}
