using System.Buffers;
using UnionBlock.Abstractions;

namespace UnionBlock.Union;

public sealed partial class UnionDevice
{
    public BlockError Read(long offset, Span<byte> destination)
    {
        if (_fault is not null)
        {
            return BlockError.Io;
        }
        _gate.EnterReadLock();
        try
        {
            ReadCore(offset, destination);
            Interlocked.Add(ref _bytesRead, destination.Length);
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

    /// <summary>Reads by runs: consecutive blocks that come from the same place are read with one call.</summary>
    private void ReadCore(long offset, Span<byte> destination)
    {
        if (destination.Length >= ScatterReadMinimumBlocks * Blocks.Size)
        {
            ReadScattered(offset, destination);
            return;
        }
        while (!destination.IsEmpty)
        {
            long block = offset >> Blocks.Shift;
            int within = (int)(offset & Blocks.Mask);
            BlockSource source = Resolve(block);
            int runBytes = Math.Min(destination.Length, Blocks.Size - within);
            long distance = 1;
            while (runBytes < destination.Length && source.Continues(Resolve(block + distance), distance))
            {
                runBytes += Math.Min(Blocks.Size, destination.Length - runBytes);
                distance++;
            }
            ReadRun(source, block, within, destination[..runBytes]);
            destination = destination[runBytes..];
            offset += runBytes;
        }
    }

    private void ReadRun(in BlockSource source, long block, int within, Span<byte> destination)
    {
        switch (source.Kind)
        {
            case SourceKind.Hole:
            case SourceKind.Zero:
                destination.Clear();
                break;
            case SourceKind.Leaf:
                _leaf!.ReadData(source.Position + within, destination);
                Interlocked.Add(ref _bytesReadFromLeaf, destination.Length);
                break;
            case SourceKind.Root:
                _chain.Root.Read(source.Position + within, destination);
                break;
            case SourceKind.Branch:
                ReadBranchRun(source, block, within, destination);
                break;
        }
    }

    /// <summary>Branch blocks are verified whole, so a run that starts or ends inside a block is read
    /// through a scratch buffer covering the whole blocks.</summary>
    private void ReadBranchRun(in BlockSource source, long block, int within, Span<byte> destination)
    {
        if (within == 0 && Blocks.IsAligned(destination.Length))
        {
            _chain.ReadBranch(source.Layer, block, (uint)source.Position, destination);
            return;
        }
        int blocks = (int)Blocks.Count(within + destination.Length);
        byte[] scratch = ArrayPool<byte>.Shared.Rent(blocks * Blocks.Size);
        try
        {
            Span<byte> whole = scratch.AsSpan(0, blocks * Blocks.Size);
            _chain.ReadBranch(source.Layer, block, (uint)source.Position, whole);
            whole.Slice(within, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
