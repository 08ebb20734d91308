using System.Buffers;

namespace UnionBlock.Leaf;

internal sealed partial class LeafLayer
{
    private const int CopyRunBlocks = 256;

    /// <summary>
    /// Starts a rewrite into generation+1. With <paramref name="keepLiveBlocks"/> (compaction) the
    /// live blocks are copied now, without holding writers off; without it (freeze) the new log
    /// starts empty because the snapshot goes into a frozen layer.
    /// </summary>
    public LeafRewrite BeginRewrite(bool keepLiveBlocks)
    {
        BlockMap snapshot;
        long snapshotEnd;
        ulong sequence;
        lock (_appendLock)
        {
            snapshot = _map.Clone();
            snapshotEnd = _end;
            sequence = _nextSequence;
        }
        string targetPath = LogFilePath(Directory, Generation + 1);
        File.Delete(targetPath); // left by a rewrite that crashed before it was committed
        LeafLayer target = Create(Directory, Id, Generation + 1, Size);
        target._nextSequence = sequence;
        var rewrite = new LeafRewrite(this, target, snapshot, snapshotEnd);
        try
        {
            if (keepLiveBlocks)
            {
                CopyLiveBlocks(snapshot, target);
            }
            return rewrite;
        }
        catch
        {
            rewrite.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the records appended since the snapshot and makes the new log durable. The caller
    /// must hold every writer off until it has made the target current.
    /// </summary>
    public void FinishRewrite(LeafRewrite rewrite)
    {
        long position = rewrite.SnapshotEnd;
        using (var scanner = new LogScanner(_log, BlockCount))
        {
            while (position < _end && scanner.TryReadAt(position, out LogScanner.Record record))
            {
                if (record.Header.Kind == RecordKind.Data)
                {
                    rewrite.Target.AppendData(record.Header.FirstBlock, record.Payload.ToArray());
                }
                else
                {
                    rewrite.Target.AppendZeroes(record.Header.FirstBlock, record.Header.BlockCount);
                }
                position += record.Header.RecordLength;
            }
        }
        if (position != _end)
        {
            throw new CorruptLayerException(LogPath, $"record at offset {position} failed its checksum during rewrite");
        }
        rewrite.Target.CommitNow();
        rewrite.Finished = true;
    }

    /// <summary>Reads every data block of <paramref name="snapshot"/> from this log, in runs.</summary>
    internal void ForEachRun(BlockMap snapshot, Action<long, int, ReadOnlyMemory<byte>> data, Action<long, long> zero)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyRunBlocks * Blocks.Size);
        try
        {
            long runStart = -1;
            int runLength = 0;
            long zeroStart = -1;
            long zeroLength = 0;
            foreach ((long block, long entry) in snapshot.Entries())
            {
                if (entry == LeafEntry.Zero)
                {
                    FlushData();
                    if (zeroStart >= 0 && zeroStart + zeroLength == block)
                    {
                        zeroLength++;
                    }
                    else
                    {
                        FlushZero();
                        zeroStart = block;
                        zeroLength = 1;
                    }
                    continue;
                }
                FlushZero();
                if (runStart >= 0 && (runStart + runLength != block || runLength == CopyRunBlocks))
                {
                    FlushData();
                }
                if (runStart < 0)
                {
                    runStart = block;
                }
                ReadData(entry, buffer.AsSpan(runLength * Blocks.Size, Blocks.Size));
                runLength++;
            }
            FlushData();
            FlushZero();

            void FlushData()
            {
                if (runLength > 0)
                {
                    data(runStart, runLength, buffer.AsMemory(0, runLength * Blocks.Size));
                }
                runStart = -1;
                runLength = 0;
            }

            void FlushZero()
            {
                if (zeroLength > 0)
                {
                    zero(zeroStart, zeroLength);
                }
                zeroStart = -1;
                zeroLength = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CopyLiveBlocks(BlockMap snapshot, LeafLayer target) =>
        ForEachRun(snapshot, (first, _, payload) => target.AppendData(first, payload), target.AppendZeroes);
}
