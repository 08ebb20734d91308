namespace UnionBlock.Leaf;

/// <summary>
/// A sparse array from block number to a 64-bit entry, in lazily allocated pages. Lookups are one
/// shift and two array reads, and readers need no lock: a published page is never replaced and
/// 64-bit stores are atomic. Writers are serialized by the owner.
/// </summary>
internal sealed class BlockMap
{
    private const int PageShift = 12;
    private const int PageSize = 1 << PageShift;
    private const long PageMask = PageSize - 1;

    private readonly long[]?[] _pages;
    private long _count;

    public BlockMap(long blockCount)
    {
        BlockCount = blockCount;
        _pages = new long[]?[(blockCount + PageSize - 1) >> PageShift];
    }

    public long BlockCount { get; }

    /// <summary>How many blocks have a non-zero entry.</summary>
    public long Count => Volatile.Read(ref _count);

    public long Get(long block)
    {
        long[]? page = Volatile.Read(ref _pages[block >> PageShift]);
        return page is null ? 0 : Volatile.Read(ref page[block & PageMask]);
    }

    public void Set(long block, long entry)
    {
        ref long[]? slot = ref _pages[block >> PageShift];
        long[]? page = slot;
        if (page is null)
        {
            if (entry == 0)
            {
                return;
            }
            page = new long[PageSize];
            Volatile.Write(ref slot, page);
        }
        ref long cell = ref page[block & PageMask];
        if (cell == 0 && entry != 0)
        {
            Interlocked.Increment(ref _count);
        }
        else if (cell != 0 && entry == 0)
        {
            Interlocked.Decrement(ref _count);
        }
        Volatile.Write(ref cell, entry);
    }

    /// <summary>Visits every non-zero entry in block order.</summary>
    public IEnumerable<(long Block, long Entry)> Entries()
    {
        for (long p = 0; p < _pages.Length; p++)
        {
            long[]? page = Volatile.Read(ref _pages[p]);
            if (page is null)
            {
                continue;
            }
            for (int i = 0; i < PageSize; i++)
            {
                long entry = Volatile.Read(ref page[i]);
                if (entry != 0)
                {
                    yield return ((p << PageShift) + i, entry);
                }
            }
        }
    }

    public BlockMap Clone()
    {
        var copy = new BlockMap(BlockCount);
        for (int p = 0; p < _pages.Length; p++)
        {
            long[]? page = Volatile.Read(ref _pages[p]);
            if (page is not null)
            {
                copy._pages[p] = (long[])page.Clone();
            }
        }
        copy._count = Count;
        return copy;
    }
}
