using Microsoft.Win32.SafeHandles;

namespace UnionBlock.Leaf;

internal sealed partial class LeafLayer
{
    /// <summary>Creates an empty leaf log in <paramref name="directory"/> (created if needed).</summary>
    public static LeafLayer Create(string directory, Guid id, long generation, long size)
    {
        System.IO.Directory.CreateDirectory(directory);
        string path = LogFilePath(directory, generation);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            byte[] header = new byte[LogFileHeader.Size];
            new LogFileHeader(id, generation, size).Write(header);
            RandomAccess.Write(handle, header, 0);
            Native.LibC.DataSync(handle);
            DurableFile.SyncDirectory(directory);
            var leaf = new LeafLayer(directory, id, generation, size, handle, new BlockMap(Blocks.Count(size)));
            leaf._end = LogFileHeader.Size;
            leaf._durable = LogFileHeader.Size;
            return leaf;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a leaf: loads the checkpoint when it belongs to this log, replays the records after it,
    /// and cuts off a torn tail (a record never completed before a crash).
    /// </summary>
    public static LeafLayer Open(string directory, Guid id, long generation, long size)
    {
        string path = LogFilePath(directory, generation);
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            byte[] headerBytes = new byte[LogFileHeader.Size];
            if (RandomAccess.Read(handle, headerBytes, 0) < LogFileHeader.Size)
            {
                throw new CorruptLayerException(path, "leaf log is shorter than its header");
            }
            LogFileHeader header = LogFileHeader.Read(headerBytes, path);
            if (header.LeafId != id || header.Generation != generation || header.DeviceSize != size)
            {
                throw new LayerMismatchException(path, $"log belongs to leaf {header.LeafId} generation {header.Generation}, expected {id} generation {generation}");
            }
            var leaf = new LeafLayer(directory, id, generation, size, handle, new BlockMap(Blocks.Count(size)));
            leaf.Recover();
            return leaf;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private void Recover()
    {
        long position = LogFileHeader.Size;
        LeafCheckpoint? checkpoint = LeafCheckpoint.TryLoad(Directory);
        long fileLength = RandomAccess.GetLength(_log);
        if (checkpoint is not null && checkpoint.Generation == Generation && checkpoint.DeviceBlocks == BlockCount
            && checkpoint.ReplayFrom <= fileLength)
        {
            foreach ((long block, long entry) in checkpoint.Entries)
            {
                _map.Set(block, entry);
            }
            position = checkpoint.ReplayFrom;
            _nextSequence = checkpoint.NextSequence;
        }
        using (var scanner = new LogScanner(_log, BlockCount))
        {
            while (scanner.TryReadAt(position, out LogScanner.Record record))
            {
                Publish(record.Header, record.DataOffset);
                _nextSequence = record.Header.Sequence + 1;
                position += record.Header.RecordLength;
            }
        }
        if (position < fileLength)
        {
            // A torn or never-completed tail: nothing in it was acknowledged as flushed.
            RandomAccess.SetLength(_log, position);
        }
        // What survived a process crash sits in the page cache; sync it so "durable" means durable.
        Native.LibC.DataSync(_log);
        _end = position;
        _durable = position;
        _checkpointedEnd = checkpoint is null ? LogFileHeader.Size : position;
    }
}
