using UnionBlock.Abstractions;

namespace UnionBlock.Union;

public sealed partial class UnionDevice
{
    private DeviceQuota? _quota;

    /// <summary>Raised after a write crossed the soft limit or was refused at the hard one.</summary>
    public event Action<QuotaEventKind, DeviceQuota>? QuotaEvent;

    /// <summary>Sets (or with 0/0 removes) the quota. Counts what the disk references now, so it can
    /// be set on a running device.</summary>
    internal void SetQuota(long hardBytes, long softBytes)
    {
        if (_leaf is null || (hardBytes <= 0 && softBytes <= 0))
        {
            _quota = null;
            return;
        }
        _gate.EnterReadLock();
        try
        {
            _quota = new DeviceQuota(hardBytes > 0 ? Blocks.Count(hardBytes) : long.MaxValue, softBytes > 0 ? Blocks.Count(softBytes) : 0, CountReferencedBlocks());
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// Blocks that would read as data if a layer holding <paramref name="own"/> sat on this chain: the
    /// own data blocks, plus this chain's data where the own blocks leave it showing. What a refresh
    /// onto this chain would make a leaf reference (its quota's measure).
    /// </summary>
    public long CountReferencedBlocksWith(Store.OwnBlocks own)
    {
        long count = own.DataBlocks;
        long blocks = Blocks.Count(Size);
        for (long block = 0; block < blocks; block++)
        {
            if (!own.Contains(block) && Resolve(block).Kind is SourceKind.Leaf or SourceKind.Branch or SourceKind.Root)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Blocks that read as data through the whole chain.</summary>
    public long CountReferencedBlocks()
    {
        long count = 0;
        long blocks = Blocks.Count(Size);
        for (long block = 0; block < blocks; block++)
        {
            if (Resolve(block).Kind is SourceKind.Leaf or SourceKind.Branch or SourceKind.Root)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Runs a data write of [offset, offset+length) if the blocks it would newly allocate fit
    /// under the hard limit; writes are serialized while a quota is set so the count stays exact.</summary>
    private BlockError WithinQuota(DeviceQuota? quota, long offset, long length, Action write)
    {
        if (quota is null)
        {
            write();
            return BlockError.None;
        }
        QuotaEventKind? raised = null;
        lock (quota.Gate)
        {
            long first = offset >> Blocks.Shift;
            long end = (offset + length + Blocks.Mask) >> Blocks.Shift;
            long fresh = 0;
            for (long block = first; block < end; block++)
            {
                if (Resolve(block).Kind is SourceKind.Hole or SourceKind.Zero)
                {
                    fresh++;
                }
            }
            if (fresh > 0 && quota.ReferencedBlocks + fresh > quota.HardBlocks)
            {
                raised = QuotaEventKind.HardReached;
            }
            else
            {
                write();
                quota.ReferencedBlocks += fresh;
                if (quota.SoftBlocks > 0 && !quota.SoftReported && quota.ReferencedBlocks > quota.SoftBlocks)
                {
                    quota.SoftReported = true;
                    raised = QuotaEventKind.SoftExceeded;
                }
            }
        }
        if (raised is { } kind)
        {
            QuotaEvent?.Invoke(kind, quota);
        }
        return raised == QuotaEventKind.HardReached ? BlockError.NoSpace : BlockError.None;
    }
}
