using System.Buffers;
using UnionBlock.Checksums;

namespace UnionBlock.Leaf;

internal sealed partial class LeafLayer
{
    // Appends are serialized: the log is written in order, so a torn record can only be the last
    // one, and index entries are published in log order (recovery reaches the same index).
    private readonly Lock _appendLock = new();
    private readonly byte[] _headerBuffer = new byte[LogRecordHeader.Size];
    private readonly List<ReadOnlyMemory<byte>> _gather = [];
    private long _end;
    private ulong _nextSequence;

    /// <summary>Appends whole blocks of data starting at <paramref name="firstBlock"/> and publishes them.</summary>
    public void AppendData(long firstBlock, in ReadOnlySequence<byte> payload)
    {
        uint count = checked((uint)(payload.Length >> Blocks.Shift));
        uint crc = Crc32C.Start;
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            crc = Crc32C.Append(crc, segment.Span);
        }
        lock (_appendLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var header = new LogRecordHeader(RecordKind.Data, _nextSequence, firstBlock, count);
            header.Write(_headerBuffer, crc);
            _gather.Clear();
            _gather.Add(_headerBuffer);
            foreach (ReadOnlyMemory<byte> segment in payload)
            {
                _gather.Add(segment);
            }
            RandomAccess.Write(_log, _gather, _end);
            PublishData(firstBlock, count, _end + LogRecordHeader.Size);
            _end += header.RecordLength;
            _nextSequence++;
        }
    }

    public void AppendData(long firstBlock, ReadOnlyMemory<byte> payload) =>
        AppendData(firstBlock, new ReadOnlySequence<byte>(payload));

    /// <summary>Records that blocks [first, first+count) read as zeros, masking the layers below.</summary>
    public void AppendZeroes(long firstBlock, long count)
    {
        while (count > 0)
        {
            uint chunk = (uint)Math.Min(count, uint.MaxValue);
            lock (_appendLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var header = new LogRecordHeader(RecordKind.Zero, _nextSequence, firstBlock, chunk);
                header.Write(_headerBuffer, Crc32C.Start);
                RandomAccess.Write(_log, _headerBuffer, _end);
                PublishZero(firstBlock, chunk);
                _end += LogRecordHeader.Size;
                _nextSequence++;
            }
            firstBlock += chunk;
            count -= chunk;
        }
    }

    private void PublishData(long firstBlock, uint count, long dataOffset)
    {
        for (uint i = 0; i < count; i++)
        {
            _map.Set(firstBlock + i, dataOffset + ((long)i << Blocks.Shift));
        }
    }

    private void PublishZero(long firstBlock, uint count)
    {
        for (uint i = 0; i < count; i++)
        {
            _map.Set(firstBlock + i, LeafEntry.Zero);
        }
    }

    /// <summary>Applies a record found by recovery or copied by a rewrite to the index.</summary>
    private void Publish(in LogRecordHeader header, long dataOffset)
    {
        if (header.Kind == RecordKind.Data)
        {
            PublishData(header.FirstBlock, header.BlockCount, dataOffset);
        }
        else
        {
            PublishZero(header.FirstBlock, header.BlockCount);
        }
    }
}
