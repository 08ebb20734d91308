using System.Buffers;

namespace UnionBlock.Union;

public sealed partial class UnionDevice
{
    /// <summary>Requests spanning at least this many blocks use the scattered read plan.</summary>
    private const int ScatterReadMinimumBlocks = 8;
    private const int BranchGatherMaxBlocks = 256;

    /// <summary>
    /// A read of many blocks with as few system calls as the layout allows. When the root holds most
    /// of the range in several pieces it is read once over the whole range (blocks held above are
    /// overwritten afterwards: copying a page-cached block costs far less than a system call); a branch's blocks inside the range sit in consecutive slots
    /// of its data file (a branch stores blocks in block order), so each such run is one read, scattered
    /// into place; leaf blocks are read by runs of consecutive log offsets.
    /// </summary>
    private void ReadScattered(long offset, Span<byte> destination)
    {
        long first = offset >> Blocks.Shift;
        int count = (int)(((offset + destination.Length - 1) >> Blocks.Shift) - first + 1);
        BlockSource[] sources = ArrayPool<BlockSource>.Shared.Rent(count);
        try
        {
            int rootBlocks = 0;
            int rootRuns = 0;
            for (int i = 0; i < count; i++)
            {
                sources[i] = Resolve(first + i);
                if (sources[i].Kind == SourceKind.Root)
                {
                    rootBlocks++;
                    rootRuns += i == 0 || sources[i - 1].Kind != SourceKind.Root ? 1 : 0;
                }
            }
            // One read over the whole range pays when the root holds most of it in several pieces;
            // when upper layers hold most of it, the root's own runs are read one by one instead.
            bool wholeRange = rootRuns > 1 && rootBlocks * 2 >= count;
            if (wholeRange)
            {
                _chain.Root.Read(offset, destination); // unallocated root blocks read as zeros
            }
            else
            {
                destination.Clear();
            }
            OverlayLeafAndZeroBlocks(sources, count, first, offset, destination, readRootRuns: !wholeRange && rootBlocks > 0);
            OverlayBranchBlocks(sources, count, first, offset, destination);
        }
        finally
        {
            ArrayPool<BlockSource>.Shared.Return(sources);
        }
    }

    private void OverlayLeafAndZeroBlocks(BlockSource[] sources, int count, long first, long offset, Span<byte> destination, bool readRootRuns)
    {
        for (int i = 0; i < count;)
        {
            BlockSource source = sources[i];
            (int start, int length) = Piece(first + i, offset, destination.Length);
            if (source.Kind == SourceKind.Zero)
            {
                destination.Slice(start, length).Clear();
                i++;
                continue;
            }
            bool rootRun = readRootRuns && source.Kind == SourceKind.Root;
            if (source.Kind != SourceKind.Leaf && !rootRun)
            {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < count && source.Continues(sources[j], j - i))
            {
                j++;
            }
            (int lastStart, int lastLength) = Piece(first + j - 1, offset, destination.Length);
            int within = (int)(Math.Max(offset, (first + i) << Blocks.Shift) - ((first + i) << Blocks.Shift));
            Span<byte> run = destination[start..(lastStart + lastLength)];
            if (rootRun)
            {
                _chain.Root.Read(source.Position + within, run);
            }
            else
            {
                _leaf!.ReadData(source.Position + within, run);
                Interlocked.Add(ref _bytesReadFromLeaf, run.Length);
            }
            i = j;
        }
    }

    private void OverlayBranchBlocks(BlockSource[] sources, int count, long first, long offset, Span<byte> destination)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(BranchGatherMaxBlocks * Blocks.Size);
        int[] members = ArrayPool<int>.Shared.Rent(BranchGatherMaxBlocks);
        try
        {
            int groupSize = 0;
            for (int i = 0; i <= count; i++)
            {
                bool isBranch = i < count && sources[i].Kind == SourceKind.Branch;
                if (isBranch && groupSize > 0 && groupSize < BranchGatherMaxBlocks
                    && sources[i].Layer == sources[members[0]].Layer
                    && sources[i].Position == sources[members[groupSize - 1]].Position + 1)
                {
                    members[groupSize++] = i;
                    continue;
                }
                if (groupSize > 0)
                {
                    ReadBranchGroup(sources, members, groupSize, scratch, first, offset, destination);
                    groupSize = 0;
                }
                if (isBranch)
                {
                    members[groupSize++] = i;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            ArrayPool<int>.Shared.Return(members);
        }
    }

    /// <summary>Reads a run of consecutive slots of one branch (verified block by block) and copies
    /// each block to where it belongs in the request.</summary>
    private void ReadBranchGroup(BlockSource[] sources, int[] members, int size, byte[] scratch, long first, long offset, Span<byte> destination)
    {
        BlockSource head = sources[members[0]];
        Span<byte> blocks = scratch.AsSpan(0, size * Blocks.Size);
        _chain.Branches[head.Layer].ReadSlots((uint)head.Position, blocks);
        for (int k = 0; k < size; k++)
        {
            long block = first + members[k];
            Span<byte> data = blocks.Slice(k * Blocks.Size, Blocks.Size);
            _chain.Branches[head.Layer].Verify(sources[members[k]].Crc, data, block);
            (int start, int length) = Piece(block, offset, destination.Length);
            int within = (int)(Math.Max(offset, block << Blocks.Shift) - (block << Blocks.Shift));
            data.Slice(within, length).CopyTo(destination.Slice(start, length));
        }
    }

    /// <summary>Where block <paramref name="block"/> lies in a request of <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    private static (int Start, int Length) Piece(long block, long offset, int length)
    {
        long blockStart = block << Blocks.Shift;
        long start = Math.Max(blockStart, offset);
        long end = Math.Min(blockStart + Blocks.Size, offset + length);
        return ((int)(start - offset), (int)(end - start));
    }
}
