using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>What a hoist did: the new branch, how many blocks moved into it, and the leaves' own data
/// bytes before and after.</summary>
public sealed record HoistResult(LayerRecord Branch, int Leaves, long HoistedBlocks, long LeafBytesBefore, long LeafBytesAfter);

public sealed partial class LayerStore
{
    /// <summary>
    /// Moves blocks that at least <paramref name="percent"/>% of the leaves over
    /// <paramref name="parentName"/> hold with identical contents into a new branch over it, and moves
    /// every one of those leaves onto that branch. Each leaf's disk stays exactly what it was: a leaf
    /// that shared a hoisted block drops its copy; a leaf that never wrote it gets the parent's
    /// contents for it, so the new branch does not show through. Runs online: each leaf is rewritten
    /// from a snapshot and the writes made meanwhile are copied over at the swap.
    /// </summary>
    public HoistResult Hoist(string parentName, NewLayer branchName, int percent, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (percent is < 1 or > 100)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"the share must be a percentage from 1 to 100 (got {percent})");
        }
        lock (_operations)
        {
            CheckNewName(branchName.Name);
            LayerRecord parent = RequireFrozen(parentName, "the layer whose leaves are reconciled");
            LayerRecord[] leaves = [.. Children(parent).Where(l => l.Kind == LayerKind.Leaf)];
            if (leaves.Length < 2)
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, $"'{parentName}' has {leaves.Length} leaves; hoisting shared blocks needs at least two");
            }
            var leases = new List<DeviceLease>();
            var rewrites = new List<LeafRewrite>();
            try
            {
                foreach (LayerRecord leaf in leaves)
                {
                    leases.Add(OpenDevice(leaf.Name));
                    rewrites.Add(leases[^1].Device.Leaf!.BeginRewrite(keepLiveBlocks: false));
                }
                LayerRecord branch = branchName.Stamp(new LayerRecord(Guid.NewGuid(), branchName.Name, LayerKind.Branch, parent.Id, parent.Size, 0, DateTimeOffset.UtcNow));
                int needed = Math.Max(2, (int)Math.Ceiling(percent * leaves.Length / 100.0));
                Dictionary<long, HoistedBlock> hoisted = WriteSharedBlocks(branch, rewrites, needed, progress, cancellationToken);
                long before = rewrites.Sum(r => CountData(r.Snapshot));
                long after = WithDevice(parent, parentDevice =>
                    rewrites.Select((rewrite, index) => RewriteWithout(rewrite, index, hoisted, parentDevice)).Sum());
                DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));
                LayerRecord[] moved = [.. leaves.Select(l => l with { ParentId = branch.Id, Generation = l.Generation + 1 })];
                SwapLeaves([.. leases.Select(l => l.Device)], rewrites, [branch, .. moved], branch.Id, "hoist");
                return new HoistResult(branch, leaves.Length, hoisted.Count, before * Blocks.Size, after * Blocks.Size);
            }
            finally
            {
                rewrites.ForEach(r => r.Dispose());
                leases.ForEach(l => l.Dispose());
            }
        }
    }

    private sealed record HoistedBlock(byte[] Contents, HashSet<int> Sharers);

    /// <summary>Finds the blocks enough leaves hold with equal contents and writes them as the new branch.</summary>
    private Dictionary<long, HoistedBlock> WriteSharedBlocks(LayerRecord branch, List<LeafRewrite> rewrites, int needed, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var holders = new SortedDictionary<long, List<(int Leaf, long Entry)>>();
        for (int leaf = 0; leaf < rewrites.Count; leaf++)
        {
            foreach ((long block, long entry) in rewrites[leaf].Snapshot.Entries())
            {
                if (LeafEntry.IsData(entry))
                {
                    if (!holders.TryGetValue(block, out var list))
                    {
                        holders[block] = list = [];
                    }
                    list.Add((leaf, entry));
                }
            }
        }
        var hoisted = new Dictionary<long, HoistedBlock>();
        using var writer = new FrozenLayerWriter(LayerDirectory(branch.Id), branch.Id, Blocks.Count(branch.Size));
        long done = 0;
        foreach ((long block, List<(int Leaf, long Entry)> list) in holders)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(++done << Blocks.Shift);
            if (list.Count < needed)
            {
                continue;
            }
            var groups = new List<HoistedBlock>();
            foreach ((int leaf, long entry) in list)
            {
                byte[] contents = new byte[Blocks.Size];
                rewrites[leaf].Source.ReadData(entry, contents);
                HoistedBlock? group = groups.Find(g => g.Contents.AsSpan().SequenceEqual(contents));
                if (group is null)
                {
                    groups.Add(group = new HoistedBlock(contents, []));
                }
                group.Sharers.Add(leaf);
            }
            HoistedBlock best = groups.MaxBy(g => g.Sharers.Count)!;
            if (best.Sharers.Count >= needed)
            {
                hoisted[block] = best;
                writer.AddData(block, best.Contents);
            }
        }
        writer.Complete();
        return hoisted;
    }

    /// <summary>Fills the rewrite's new log: the snapshot minus the hoisted blocks this leaf shared,
    /// plus the parent's contents for hoisted blocks it never wrote. Returns its data blocks.</summary>
    private static long RewriteWithout(LeafRewrite rewrite, int leafIndex, Dictionary<long, HoistedBlock> hoisted, UnionDevice parent)
    {
        LeafLayer target = rewrite.Target;
        byte[] block = new byte[Blocks.Size];
        long data = 0;
        foreach ((long number, long entry) in rewrite.Snapshot.Entries())
        {
            if (hoisted.TryGetValue(number, out HoistedBlock? shared) && shared.Sharers.Contains(leafIndex))
            {
                continue;
            }
            if (entry == LeafEntry.Zero)
            {
                target.AppendZeroes(number, 1);
                continue;
            }
            rewrite.Source.ReadData(entry, block);
            target.AppendData(number, block);
            data++;
        }
        foreach (long number in hoisted.Keys)
        {
            if (rewrite.Snapshot.Get(number) != LeafEntry.Absent)
            {
                continue;
            }
            BlockSource below = parent.Resolve(number);
            if (below.Kind is SourceKind.Hole or SourceKind.Zero)
            {
                target.AppendZeroes(number, 1);
                continue;
            }
            Check(parent.Read(number << Blocks.Shift, block));
            target.AppendData(number, block);
            data++;
        }
        return data;
    }

    private static long CountData(BlockMap map) => map.Entries().LongCount(e => LeafEntry.IsData(e.Entry));
}
