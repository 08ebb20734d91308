using System.Buffers;
using UnionBlock.Abstractions;
using UnionBlock.Leaf;

namespace UnionBlock.Union;

public sealed partial class UnionDevice
{
    private const int ZeroRunBlocks = 256;
    private static readonly byte[] s_zeroBlocks = new byte[ZeroRunBlocks * Blocks.Size];

    // Read-modify-write of a partial block holds that block's stripe, so two partial writes to
    // different sectors of one block never lose each other's bytes. Whole-block writes need no lock.
    private readonly Lock[] _stripes = CreateStripes(256);

    public BlockError Write(long offset, in ReadOnlySequence<byte> data)
    {
        if (_leaf is null)
        {
            return BlockError.ReadOnly;
        }
        if (_fault is not null)
        {
            return BlockError.Io;
        }
        _gate.EnterReadLock();
        try
        {
            Interlocked.Add(ref _bytesWritten, data.Length);
            DeviceQuota? quota = _quota;
            if (quota is null)
            {
                WriteCore(offset, data);
                return BlockError.None;
            }
            ReadOnlySequence<byte> payload = data;
            return WithinQuota(quota, offset, payload.Length, () => WriteCore(offset, payload));
        }
        catch (IOException exception)
        {
            return Fail(exception);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    public BlockError WriteZeroes(long offset, long length, ZeroFlags flags)
    {
        if (_leaf is null)
        {
            return BlockError.ReadOnly;
        }
        if ((flags & (ZeroFlags.NoHole | ZeroFlags.FastOnly)) == (ZeroFlags.NoHole | ZeroFlags.FastOnly))
        {
            return BlockError.NotSupported; // writing real zeros is a data write, not fast
        }
        return ZeroCore(offset, length, (flags & ZeroFlags.NoHole) != 0, partialBlocks: true);
    }

    public BlockError Trim(long offset, long length) =>
        _leaf is null ? BlockError.ReadOnly : ZeroCore(offset, length, noHole: false, partialBlocks: false);

    private void WriteCore(long offset, ReadOnlySequence<byte> data)
    {
        LeafLayer leaf = _leaf!;
        int head = (int)(offset & Blocks.Mask);
        if (head != 0 || data.Length < Blocks.Size)
        {
            int length = (int)Math.Min(data.Length, Blocks.Size - head);
            MergeIntoBlock(offset >> Blocks.Shift, head, data.Slice(0, length));
            data = data.Slice(length);
            offset += length;
        }
        long body = data.Length & ~Blocks.Mask;
        long maxRecord = LogRecordHeader.MaxDataBlocks << Blocks.Shift;
        for (long done = 0; done < body; done += maxRecord)
        {
            long chunk = Math.Min(maxRecord, body - done);
            leaf.AppendData((offset + done) >> Blocks.Shift, data.Slice(done, chunk));
        }
        if (data.Length > body)
        {
            MergeIntoBlock((offset + body) >> Blocks.Shift, 0, data.Slice(body));
        }
    }

    /// <summary>Copies the current block up from whichever layer holds it, overlays the new bytes and
    /// appends the whole block (head and tail of an unaligned write).</summary>
    private void MergeIntoBlock(long block, int within, in ReadOnlySequence<byte> piece)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Blocks.Size);
        try
        {
            lock (_stripes[block & (_stripes.Length - 1)])
            {
                Span<byte> whole = buffer.AsSpan(0, Blocks.Size);
                long start = block << Blocks.Shift;
                int inDevice = (int)Math.Min(Blocks.Size, Size - start);
                ReadCore(start, whole[..inDevice]);
                whole[inDevice..].Clear();
                piece.CopyTo(whole[within..]);
                _leaf!.AppendData(block, buffer.AsMemory(0, Blocks.Size));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private BlockError ZeroCore(long offset, long length, bool noHole, bool partialBlocks)
    {
        if (_fault is not null)
        {
            return BlockError.Io;
        }
        _gate.EnterReadLock();
        try
        {
            long end = offset + length;
            long firstWhole = (offset + Blocks.Mask) & ~Blocks.Mask;
            long lastWhole = end & ~Blocks.Mask;
            if (end == Size)
            {
                lastWhole = (end + Blocks.Mask) & ~Blocks.Mask; // the device's last partial block counts as whole
            }
            if (firstWhole >= lastWhole)
            {
                if (partialBlocks)
                {
                    ZeroPartial(offset, length);
                }
                return BlockError.None;
            }
            if (partialBlocks && offset < firstWhole)
            {
                ZeroPartial(offset, firstWhole - offset);
            }
            if (noHole)
            {
                BlockError refused = WithinQuota(_quota, firstWhole, lastWhole - firstWhole,
                    () => WriteZeroData(firstWhole >> Blocks.Shift, (lastWhole - firstWhole) >> Blocks.Shift));
                if (refused != BlockError.None)
                {
                    return refused;
                }
            }
            else
            {
                long masked = MaskWithZeroEntries(firstWhole >> Blocks.Shift, lastWhole >> Blocks.Shift);
                if (_quota is { } quota)
                {
                    lock (quota.Gate)
                    {
                        quota.ReferencedBlocks -= masked;
                        // Back under the soft limit: the next crossing is reported again.
                        quota.SoftReported &= quota.ReferencedBlocks > quota.SoftBlocks;
                    }
                }
            }
            if (partialBlocks && end > lastWhole)
            {
                ZeroPartial(lastWhole, end - lastWhole);
            }
            return BlockError.None;
        }
        catch (IOException exception)
        {
            return Fail(exception);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Zeroes a range with no whole block inside, one block piece at a time.</summary>
    private void ZeroPartial(long offset, long length)
    {
        long end = offset + length;
        while (offset < end)
        {
            long block = offset >> Blocks.Shift;
            long pieceEnd = Math.Min(end, (block + 1) << Blocks.Shift);
            // A block that already reads as zeros needs no copy-up.
            if (Resolve(block).Kind is not (SourceKind.Hole or SourceKind.Zero))
            {
                MergeIntoBlock(block, (int)(offset & Blocks.Mask), new ReadOnlySequence<byte>(s_zeroBlocks, 0, (int)(pieceEnd - offset)));
            }
            offset = pieceEnd;
        }
    }

    private void WriteZeroData(long firstBlock, long count)
    {
        for (long done = 0; done < count; done += ZeroRunBlocks)
        {
            int blocks = (int)Math.Min(ZeroRunBlocks, count - done);
            _leaf!.AppendData(firstBlock + done, s_zeroBlocks.AsMemory(0, blocks * Blocks.Size));
        }
    }

    /// <summary>Records zero entries only where a block currently holds data: zeroing a region that
    /// already reads as zeros (a fresh disk's discard at mkfs time) costs nothing. Returns how many
    /// blocks stopped holding data.</summary>
    private long MaskWithZeroEntries(long firstBlock, long endBlock)
    {
        long masked = 0;
        long runStart = -1;
        for (long block = firstBlock; block < endBlock; block++)
        {
            SourceKind kind = Resolve(block).Kind;
            bool holdsData = kind is SourceKind.Leaf or SourceKind.Branch or SourceKind.Root;
            if (holdsData && runStart < 0)
            {
                runStart = block;
            }
            else if (!holdsData && runStart >= 0)
            {
                _leaf!.AppendZeroes(runStart, block - runStart);
                masked += block - runStart;
                runStart = -1;
            }
        }
        if (runStart >= 0)
        {
            _leaf!.AppendZeroes(runStart, endBlock - runStart);
            masked += endBlock - runStart;
        }
        return masked;
    }

    private static Lock[] CreateStripes(int count)
    {
        var stripes = new Lock[count];
        for (int i = 0; i < count; i++)
        {
            stripes[i] = new Lock();
        }
        return stripes;
    }
}
