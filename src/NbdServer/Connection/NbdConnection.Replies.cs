using System.Buffers.Binary;
using System.Text;
using NbdServer.Protocol;
using UnionBlock.Abstractions;

namespace NbdServer.Connection;

public sealed partial class NbdConnection
{
    private const int MaxDescriptors = 1 << 20;
    private const int MinimumHoleChunk = 32 * 1024;
    private const int ParallelReadBytes = 256 * 1024;
    private readonly List<Extent> _extents = [];

    private void WriteResult(in NbdRequest request, BlockError result)
    {
        if (result == BlockError.None)
        {
            WriteSimpleReply(request.Cookie, 0);
            return;
        }
        WriteError(request, ErrorCodes.ToNbd(result), $"{result}");
    }

    /// <summary>READ and BLOCK_STATUS get structured errors once structured replies are on (proto.md:
    /// a READ must then never get a simple reply); other commands get simple replies.</summary>
    private void WriteError(in NbdRequest request, uint error, string? message)
    {
        bool structured = _structuredReplies && request.Type is NbdWire.CmdRead or NbdWire.CmdBlockStatus;
        if (!structured)
        {
            WriteSimpleReply(request.Cookie, error);
            return;
        }
        int messageLength = message is null ? 0 : Math.Min(Encoding.UTF8.GetByteCount(message), NbdWire.MaxStringLength);
        int length = 6 + messageLength;
        Span<byte> span = _output.GetSpan(NbdWire.StructuredReplyHeaderSize + length);
        WriteChunkHeader(span, NbdWire.ReplyFlagDone, NbdWire.ReplyTypeError, request.Cookie, length);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], error);
        BinaryPrimitives.WriteUInt16BigEndian(span[24..], (ushort)messageLength);
        if (messageLength > 0)
        {
            Encoding.UTF8.GetBytes(message.AsSpan(), span.Slice(26, messageLength));
        }
        _output.Advance(NbdWire.StructuredReplyHeaderSize + length);
    }

    private void WriteSimpleReply(ulong cookie, uint error)
    {
        Span<byte> span = _output.GetSpan(NbdWire.SimpleReplySize);
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdWire.SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], error);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], cookie);
        _output.Advance(NbdWire.SimpleReplySize);
    }

    private static void WriteChunkHeader(Span<byte> span, ushort flags, ushort type, ulong cookie, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdWire.StructuredReplyMagic);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], type);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)length);
    }

    /// <summary>Reads straight into the output buffer, after the reply header, so data is copied once.</summary>
    private void WriteRead(in NbdRequest request)
    {
        long offset = (long)request.Offset;
        int length = (int)request.Length;
        if (!_structuredReplies)
        {
            Memory<byte> reply = _output.GetMemory(NbdWire.SimpleReplySize + length);
            BlockError error = ReadDevice(offset, reply.Slice(NbdWire.SimpleReplySize, length));
            Span<byte> span = reply.Span;
            if (error != BlockError.None)
            {
                WriteSimpleReply(request.Cookie, ErrorCodes.ToNbd(error)); // proto.md: no payload after an error
                return;
            }
            BinaryPrimitives.WriteUInt32BigEndian(span, NbdWire.SimpleReplyMagic);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], 0);
            BinaryPrimitives.WriteUInt64BigEndian(span[8..], request.Cookie);
            _output.Advance(NbdWire.SimpleReplySize + length);
            return;
        }
        if (request.Has(NbdWire.CmdFlagDf) || length <= 4096 || (_device.Capabilities & DeviceCapabilities.Extents) == 0)
        {
            TryWriteDataChunk(request, offset, length, done: true);
            return;
        }
        WriteSparseRead(request, offset, length);
    }

    /// <summary>A structured read in chunks: data where there is data, hole chunks where the device
    /// reports zeros, so clients such as nbdcopy need not receive them. Which layer holds the data does
    /// not matter here, and short zero runs travel as data: fewer, larger chunks are cheaper for both sides.</summary>
    private void WriteSparseRead(in NbdRequest request, long offset, int length)
    {
        _extents.Clear();
        BlockError error = _device.GetExtents(offset, length, _extents);
        if (error != BlockError.None)
        {
            WriteError(request, ErrorCodes.ToNbd(error), error.ToString());
            return;
        }
        long end = offset + length;
        long position = offset;
        while (position < end)
        {
            (long runEnd, bool hole) = NextReadRun(position, end);
            if (runEnd <= position)
            {
                (runEnd, hole) = (end, false); // never stall: send the rest as data
            }
            bool last = runEnd == end;
            if (hole)
            {
                Span<byte> span = _output.GetSpan(NbdWire.StructuredReplyHeaderSize + 12);
                WriteChunkHeader(span, last ? NbdWire.ReplyFlagDone : (ushort)0, NbdWire.ReplyTypeOffsetHole, request.Cookie, 12);
                BinaryPrimitives.WriteUInt64BigEndian(span[20..], (ulong)position);
                BinaryPrimitives.WriteUInt32BigEndian(span[28..], (uint)(runEnd - position));
                _output.Advance(NbdWire.StructuredReplyHeaderSize + 12);
            }
            else if (!TryWriteDataChunk(request, position, (int)(runEnd - position), last))
            {
                return;
            }
            position = runEnd;
        }
    }

    /// <summary>The run starting at <paramref name="position"/>: a hole of at least
    /// <see cref="MinimumHoleChunk"/> bytes, or data up to the next such hole.</summary>
    private (long End, bool Hole) NextReadRun(long position, long end)
    {
        int index = _extents.FindIndex(e => e.End > position);
        long zeroEnd = position;
        for (int i = index; i < _extents.Count && _extents[i].IsZero; i++)
        {
            zeroEnd = _extents[i].End;
        }
        if (zeroEnd - position >= MinimumHoleChunk || (zeroEnd == end && zeroEnd > position))
        {
            return (zeroEnd, true);
        }
        long dataEnd = position;
        for (int i = index; i < _extents.Count; i++)
        {
            if (_extents[i].IsZero)
            {
                long holeEnd = _extents[i].End;
                for (int j = i + 1; j < _extents.Count && _extents[j].IsZero; j++)
                {
                    holeEnd = _extents[j].End;
                }
                if (holeEnd - _extents[i].Offset >= MinimumHoleChunk || holeEnd == end)
                {
                    return (Math.Max(dataEnd, _extents[i].Offset), false);
                }
            }
            dataEnd = _extents[i].End;
        }
        return (end, false);
    }

    private bool TryWriteDataChunk(in NbdRequest request, long offset, int length, bool done)
    {
        int total = NbdWire.StructuredReplyHeaderSize + 8 + length;
        Memory<byte> chunk = _output.GetMemory(total);
        BlockError error = ReadDevice(offset, chunk.Slice(NbdWire.StructuredReplyHeaderSize + 8, length));
        Span<byte> span = chunk.Span;
        if (error != BlockError.None)
        {
            WriteError(request, ErrorCodes.ToNbd(error), error.ToString());
            return false;
        }
        WriteChunkHeader(span, done ? NbdWire.ReplyFlagDone : (ushort)0, NbdWire.ReplyTypeOffsetData, request.Cookie, 8 + length);
        BinaryPrimitives.WriteUInt64BigEndian(span[20..], (ulong)offset);
        _output.Advance(total);
        return true;
    }

    /// <summary>
    /// Reads from the device into the reply buffer. A large read is split in two halves read on two
    /// threads: the work per request is one positional read per run of blocks, and a connection's
    /// replies are otherwise produced by one thread.
    /// </summary>
    private BlockError ReadDevice(long offset, Memory<byte> destination)
    {
        if (destination.Length < ParallelReadBytes)
        {
            return _device.Read(offset, destination.Span);
        }
        int half = destination.Length / 2 & ~4095;
        BlockError first = BlockError.None;
        BlockError second = BlockError.None;
        Parallel.Invoke(
            () => first = _device.Read(offset, destination.Span[..half]),
            () => second = _device.Read(offset + half, destination.Span[half..]));
        return first != BlockError.None ? first : second;
    }

    /// <summary>One chunk per selected context, the last flagged done; descriptors never extend past the request.</summary>
    private void WriteBlockStatus(in NbdRequest request)
    {
        _extents.Clear();
        BlockError error = _device.GetExtents((long)request.Offset, request.Length, _extents);
        if (error != BlockError.None)
        {
            WriteError(request, ErrorCodes.ToNbd(error), error.ToString());
            return;
        }
        bool reqOne = request.Has(NbdWire.CmdFlagReqOne);
        if (_contexts.BaseAllocation)
        {
            WriteStatusChunk(request.Cookie, MetaContextSelection.BaseAllocationId, reqOne, done: !_contexts.AllocationDepth,
                static e => (e.IsHole ? NbdWire.StateHole : 0) | (e.IsZero ? NbdWire.StateZero : 0));
        }
        if (_contexts.AllocationDepth)
        {
            WriteStatusChunk(request.Cookie, MetaContextSelection.AllocationDepthId, reqOne, done: true, static e => (uint)e.Depth);
        }
    }

    private void WriteStatusChunk(ulong cookie, uint contextId, bool reqOne, bool done, Func<Extent, uint> state)
    {
        // Merge neighbours that report the same value in this context, counting descriptors first.
        int count = 0;
        uint previous = 0;
        for (int i = 0; i < _extents.Count && count < MaxDescriptors; i++)
        {
            uint value = state(_extents[i]);
            if (i == 0 || value != previous)
            {
                count++;
            }
            previous = value;
        }
        if (reqOne)
        {
            count = 1;
        }
        int length = 4 + count * 8;
        Span<byte> span = _output.GetSpan(NbdWire.StructuredReplyHeaderSize + length);
        WriteChunkHeader(span, done ? NbdWire.ReplyFlagDone : (ushort)0, NbdWire.ReplyTypeBlockStatus, cookie, length);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], contextId);
        int written = -1;
        long runLength = 0;
        for (int i = 0; i < _extents.Count; i++)
        {
            uint value = state(_extents[i]);
            if (i == 0 || value != previous)
            {
                if (written + 1 == count)
                {
                    break;
                }
                written++;
                runLength = 0;
            }
            runLength += _extents[i].Length;
            BinaryPrimitives.WriteUInt32BigEndian(span[(24 + written * 8)..], (uint)runLength);
            BinaryPrimitives.WriteUInt32BigEndian(span[(28 + written * 8)..], value);
            previous = value;
        }
        _output.Advance(NbdWire.StructuredReplyHeaderSize + length);
    }
}
