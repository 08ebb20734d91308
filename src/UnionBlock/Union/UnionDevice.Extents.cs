using UnionBlock.Abstractions;

namespace UnionBlock.Union;

public sealed partial class UnionDevice
{
    /// <summary>
    /// Reports, block by block, whether data is present (and in which layer). Zero entries read as
    /// zeros and report as holes; a block held by any layer reports allocated, so writing there never
    /// fails for lack of a hole (the leaf has room: see the copy-on-write note in NBD.md).
    /// </summary>
    public BlockError GetExtents(long offset, long length, List<Extent> into)
    {
        if (_fault is not null)
        {
            return BlockError.Io;
        }
        _gate.EnterReadLock();
        try
        {
            long end = offset + length;
            long position = offset;
            while (position < end)
            {
                long block = position >> Blocks.Shift;
                long next = Math.Min(end, (block + 1) << Blocks.Shift);
                BlockSource source = Resolve(block);
                bool readsZero = source.Kind is SourceKind.Hole or SourceKind.Zero;
                ExtentList.Append(into, new Extent(position, next - position, readsZero, readsZero, source.Depth));
                position = next;
            }
            return BlockError.None;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }
}
