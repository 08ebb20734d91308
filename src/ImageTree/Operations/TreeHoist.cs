using UnionBlock;
using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Store;
using UnionBlock.Union;

namespace ImageTree.Operations;

/// <summary>
/// Moves blocks that enough leaves of one parent hold with identical contents into a new branch
/// over that parent, and moves the leaves onto it (reconcile). Each leaf's disk stays exactly what
/// it was.
/// </summary>
public sealed class TreeHoist(LayerStore layers)
{
    /// <summary>
    /// Hoists the blocks at least <paramref name="percent"/>% of the leaves over
    /// <paramref name="parentName"/> hold with identical contents. A leaf that shared a hoisted block
    /// drops its copy; a leaf that never wrote it gets the parent's contents for it, so the new branch
    /// does not show through. Runs online: each leaf is rewritten from a snapshot and the writes made
    /// meanwhile are copied over at the swap.
    /// </summary>
    /// <remarks>When no block qualifies nothing is published, unless <paramref name="allowEmpty"/>: an empty
    /// edition would change no disk and only move the leaves.</remarks>
    public HoistResult Hoist(string parentName, NewLayer branchName, int percent, IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool allowEmpty = false)
    {
        CheckPercent(percent);
        return layers.RunExclusive(() =>
        {
            layers.CheckNewName(branchName.Name);
            LayerRecord parent = layers.RequireFrozen(parentName, "the layer whose leaves are reconciled");
            LayerRecord[] leaves = RequireLeaves(parent, parentName);
            var leases = new List<DeviceLease>();
            var rewrites = new List<LeafRewrite>();
            try
            {
                foreach (LayerRecord leaf in leaves)
                {
                    leases.Add(layers.OpenDevice(leaf.Name));
                    rewrites.Add(LayerStore.BeginLeafRewrite(leases[^1]));
                }
                LayerRecord branch = branchName.Stamp(new LayerRecord(Guid.NewGuid(), branchName.Name, LayerKind.Branch, parent.Id, parent.Size, 0, DateTimeOffset.UtcNow));
                int needed = Math.Max(2, (int)Math.Ceiling(percent * leaves.Length / 100.0));
                SortedDictionary<long, HoistedBlock> hoisted = SelectSharedBlocks([.. rewrites.Select(r => new LeafView(r.SnapshotEntries, r.ReadData))], needed, progress, cancellationToken);
                if (hoisted.Count == 0 && !allowEmpty)
                {
                    throw NothingShared(percent, leaves.Length, parentName);
                }
                WriteBranch(branch, hoisted);
                long before = rewrites.Sum(CountData);
                long after = layers.Read(parent, parentDevice =>
                    rewrites.Select((rewrite, index) => RewriteWithout(rewrite, index, hoisted, parentDevice)).Sum());
                layers.SyncLayerFolders();
                LayerRecord[] moved = [.. leaves.Select(l => l with { ParentId = branch.Id, Generation = l.Generation + 1 })];
                layers.SwapLeaves([.. leases.Select(l => l.Device)], rewrites, [branch, .. moved], branch.Id, "hoist");
                return new HoistResult(branch, leaves.Length, hoisted.Count, before * Blocks.Size, after * Blocks.Size);
            }
            finally
            {
                rewrites.ForEach(r => r.Dispose());
                leases.ForEach(l => l.Dispose());
            }
        });
    }

    private sealed record HoistedBlock(byte[] Contents, HashSet<int> Sharers);

    private static void CheckPercent(int percent)
    {
        if (percent is < 1 or > 100)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"the share must be a percentage from 1 to 100 (got {percent})");
        }
    }

    private LayerRecord[] RequireLeaves(LayerRecord parent, string parentName)
    {
        LayerRecord[] leaves = [.. layers.Children(parent).Where(l => l.Kind == LayerKind.Leaf)];
        return leaves.Length >= 2 ? leaves
            : throw new StoreException(StoreErrorKind.InvalidArgument, $"'{parentName}' has {leaves.Length} leaves; hoisting shared blocks needs at least two");
    }

    private static StoreException NothingShared(int percent, int leaves, string parentName) => new(StoreErrorKind.Empty,
        $"no block is held alike by at least {percent}% of the {leaves} leaves of '{parentName}', so there is nothing to hoist; nothing was published and no leaf moved");

    /// <summary>
    /// Which leaves a hoist of <paramref name="parentName"/> would move and how many blocks it would
    /// publish, chosen exactly as <see cref="Hoist"/> chooses them, reading the leaves as they are now
    /// and writing nothing.
    /// </summary>
    public (IReadOnlyList<string> Leaves, long Blocks) Preview(string parentName, int percent, bool allowEmpty) =>
        layers.RunExclusive<(IReadOnlyList<string>, long)>(() =>
        {
            CheckPercent(percent);
            LayerRecord parent = layers.RequireFrozen(parentName, "the layer whose leaves are reconciled");
            LayerRecord[] leaves = RequireLeaves(parent, parentName);
            var leases = new List<DeviceLease>();
            try
            {
                leases.AddRange(leaves.Select(l => layers.OpenDevice(l.Name)));
                int needed = Math.Max(2, (int)Math.Ceiling(percent * leaves.Length / 100.0));
                long blocks = SelectSharedBlocks([.. leases.Select(l => ViewOf(LayerStore.ContentsOf(l)))], needed, null, CancellationToken.None).Count;
                if (blocks == 0 && !allowEmpty)
                {
                    throw NothingShared(percent, leaves.Length, parentName);
                }
                return ([.. leaves.Select(l => l.Name)], blocks);
            }
            finally
            {
                leases.ForEach(l => l.Dispose());
            }
        });

    private delegate void ReadEntry(long entry, Span<byte> destination);

    /// <summary>A leaf's entries and data, from a rewrite's snapshot or from the live leaf.</summary>
    private sealed record LeafView(Func<IEnumerable<(long Block, long Entry)>> Entries, ReadEntry ReadData);

    private static LeafView ViewOf(LeafContents leaf) => new(leaf.Entries, leaf.ReadData);

    /// <summary>Finds the blocks enough leaves hold with equal contents (in block order).</summary>
    private static SortedDictionary<long, HoistedBlock> SelectSharedBlocks(IReadOnlyList<LeafView> leaves, int needed, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var holders = new SortedDictionary<long, List<(int Leaf, long Entry)>>();
        for (int leaf = 0; leaf < leaves.Count; leaf++)
        {
            foreach ((long block, long entry) in leaves[leaf].Entries())
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
        var hoisted = new SortedDictionary<long, HoistedBlock>();
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
                leaves[leaf].ReadData(entry, contents);
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
            }
        }
        return hoisted;
    }

    /// <summary>Writes the hoisted blocks as the new branch's files.</summary>
    private void WriteBranch(LayerRecord branch, SortedDictionary<long, HoistedBlock> hoisted)
    {
        using FrozenLayerWriter writer = layers.WriteFrozenLayer(branch);
        foreach ((long block, HoistedBlock shared) in hoisted)
        {
            writer.AddData(block, shared.Contents);
        }
        writer.Complete();
    }

    /// <summary>Fills the rewrite's new log: the snapshot minus the hoisted blocks this leaf shared,
    /// plus the parent's contents for hoisted blocks it never wrote. Returns its data blocks.</summary>
    private static long RewriteWithout(LeafRewrite rewrite, int leafIndex, SortedDictionary<long, HoistedBlock> hoisted, UnionDevice parent)
    {
        byte[] block = new byte[Blocks.Size];
        long data = 0;
        foreach ((long number, long entry) in rewrite.SnapshotEntries())
        {
            if (hoisted.TryGetValue(number, out HoistedBlock? shared) && shared.Sharers.Contains(leafIndex))
            {
                continue;
            }
            if (entry == LeafEntry.Zero)
            {
                rewrite.AppendZeroes(number, 1);
                continue;
            }
            rewrite.ReadData(entry, block);
            rewrite.AppendData(number, block);
            data++;
        }
        foreach (long number in hoisted.Keys)
        {
            if (rewrite.SnapshotEntry(number) != LeafEntry.Absent)
            {
                continue;
            }
            if (parent.ReadsAsZeros(number))
            {
                rewrite.AppendZeroes(number, 1);
                continue;
            }
            LayerChecks.Check(parent.Read(number << Blocks.Shift, block));
            rewrite.AppendData(number, block);
            data++;
        }
        return data;
    }

    private static long CountData(LeafRewrite rewrite) => rewrite.SnapshotEntries().LongCount(e => LeafEntry.IsData(e.Entry));
}
