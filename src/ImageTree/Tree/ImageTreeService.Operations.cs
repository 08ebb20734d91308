using ImageTree.Operations;
using UnionBlock.Store;

namespace ImageTree.Tree;

public sealed partial class ImageTreeService
{
    private readonly Lock _policy = new();

    /// <summary>Imports an image as the next edition of <paramref name="lineage"/>: a full root, or
    /// with <paramref name="deltaOver"/> only the blocks that differ from that layer (which must be the
    /// lineage's latest edition when the lineage exists). A delta identical to its base publishes
    /// nothing unless <paramref name="allowEmpty"/>.</summary>
    public ImportResult Import(string lineage, string file, ImageFormat format, string? deltaOver, IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool allowEmpty = false)
    {
        ImportResult result;
        lock (_policy)
        {
            LayerRecord? over = deltaOver is null ? null : Resolve(deltaOver);
            result = _import.Import(NextEdition(lineage, over), file, format, over?.Name, progress, cancellationToken, allowEmpty);
        }
        Publish("edition.imported", result.Layer.Name, $"{result.StoredBytes} of {result.ImageBytes} bytes stored" + (deltaOver is null ? "" : $" as a delta over {deltaOver}"));
        return result;
    }

    /// <summary>Creates a service group's branch: the first (empty) edition of <paramref name="lineage"/>
    /// over a frozen layer, its declared base. A lineage is created once: an existing one moves onto
    /// another base by a refresh, which keeps its blocks.</summary>
    public LayerRecord CreateBranch(string lineage, string parent)
    {
        LayerRecord branch;
        lock (_policy)
        {
            if (LatestEdition(lineage) is { } existing)
            {
                throw new StoreException(StoreErrorKind.AlreadyExists,
                    $"the lineage '{lineage}' exists (latest {existing.Name}, over {ParentOf(existing).Name}); move it onto another edition with 'ubd branch refresh {existing.Name} --to {parent}', or choose a new name");
            }
            LayerRecord parentLayer = Resolve(parent);
            branch = _branches.CreateBranch(NextEdition(lineage, parentLayer), parentLayer.Name);
        }
        Publish("branch.created", branch.Name, $"over {parent}");
        return branch;
    }

    /// <summary>Registers a node's leaf over a frozen layer; its disk exists at once.</summary>
    public LayerRecord CreateLeaf(string name, string parent, long quotaBytes = 0, long softQuotaBytes = 0)
    {
        LayerRecord leaf;
        lock (_policy)
        {
            CheckLeafName(name);
            LayerRecord parentLayer = Resolve(parent);
            CheckQuota(parentLayer, quotaBytes, softQuotaBytes);
            leaf = Layers.CreateLeaf(name, parentLayer.Name, quotaBytes, softQuotaBytes);
        }
        Publish("leaf.created", leaf.Name, $"over {parent}");
        return leaf;
    }

    /// <summary>Seals a leaf's writes into the next edition of <paramref name="lineage"/>; the leaf
    /// (and a node running on it) goes on, empty, over that edition. The leaf must sit on the lineage's
    /// latest edition (or the lineage be new), and have written something unless <paramref name="allowEmpty"/>.</summary>
    public LayerRecord Freeze(string leaf, string lineage, bool allowEmpty = false)
    {
        LayerRecord edition;
        lock (_policy)
        {
            (LayerRecord layer, NewLayer next, _) = CheckFreeze(leaf, lineage, allowEmpty);
            edition = Layers.Freeze(layer.Name, next);
        }
        Publish("edition.frozen", edition.Name, $"from leaf {leaf}");
        return edition;
    }

    /// <summary>What <see cref="Freeze"/> would publish, checked by the same rules; nothing is written.</summary>
    public DryRunReport PreviewFreeze(string leaf, string lineage, bool allowEmpty = false)
    {
        lock (_policy)
        {
            (LayerRecord layer, NewLayer next, OwnBlocks own) = CheckFreeze(leaf, lineage, allowEmpty);
            return new DryRunReport("freeze", layer.Name, next.Name, ParentOf(layer).Name, own.Count, own.DataBlocks * UnionBlock.Blocks.Size, [layer.Name]);
        }
    }

    private (LayerRecord Leaf, NewLayer Next, OwnBlocks Own) CheckFreeze(string leaf, string lineage, bool allowEmpty)
    {
        LayerRecord layer = Resolve(leaf);
        if (layer.Kind != LayerKind.Leaf)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{layer.Name}' is a {layer.Kind.ToString().ToLowerInvariant()}, already frozen; only leaves are frozen");
        }
        NewLayer next = NextEdition(lineage, ParentOf(layer));
        OwnBlocks own = Layers.OwnBlocksOf(layer);
        if (!allowEmpty && own.Count == 0)
        {
            throw new StoreException(StoreErrorKind.Empty,
                $"'{layer.Name}' has written nothing, so {next.Name} would be the same disk as {ParentOf(layer).Name}; nothing published (allow an empty edition explicitly if you want one)");
        }
        return (layer, next, own);
    }

    /// <summary>
    /// What a move of <paramref name="name"/> onto <paramref name="to"/> would collide with, without moving
    /// anything: the extents the layer wrote itself that the new parent also changed against the current
    /// one (the refresh's conflict report; a rollout shows it before any node moves). No conflicts when
    /// the layer already sits on <paramref name="to"/>.
    /// </summary>
    public RefreshConflicts Conflicts(string name, string to)
    {
        LayerRecord layer = Resolve(name);
        LayerRecord target = Resolve(to);
        if (layer.Kind == LayerKind.Root || !target.IsFrozen)
        {
            throw new StoreException(StoreErrorKind.WrongKind, layer.Kind == LayerKind.Root
                ? $"'{layer.Name}' is a root; it has no parent to move" : $"'{target.Name}' is a leaf; a layer moves only onto a frozen edition");
        }
        LayerRecord parent = ParentOf(layer);
        if (parent.Id == target.Id)
        {
            return new RefreshConflicts(layer.Name, parent.Name, target.Name, [], 0);
        }
        DiffResult changed = _diff.Diff(parent.Name, target.Name);
        ChangedExtent[] conflicts = [.. Intersect(changed.Extents, Layers.OwnBlocksOf(layer))];
        return new RefreshConflicts(layer.Name, parent.Name, target.Name, conflicts, conflicts.Sum(c => c.Length));
    }

    /// <summary>Folds a leaf into a new edition of its parent's lineage (the leaf goes on over it).</summary>
    public LayerRecord Reconcile(string leaf, bool allowEmpty = false) => Freeze(leaf, ParentLineage(leaf), allowEmpty);

    /// <summary>What <see cref="Reconcile"/> would publish; nothing is written.</summary>
    public DryRunReport PreviewReconcile(string leaf, bool allowEmpty = false) => PreviewFreeze(leaf, ParentLineage(leaf), allowEmpty) with { Operation = "reconcile" };

    private string ParentLineage(string leaf)
    {
        LayerRecord parent = ParentOf(Resolve(leaf));
        return parent.Lineage ?? throw new StoreException(StoreErrorKind.InvalidArgument,
            $"'{parent.Name}' is not an edition, so it has no lineage to continue; use 'ubd leaf freeze {leaf} --into LINEAGE'");
    }

    /// <summary>Hoists the blocks at least <paramref name="percent"/>% of a layer's leaves share into
    /// a new edition of its lineage and moves the leaves onto it. The layer must be its lineage's latest
    /// edition; when no block qualifies nothing is published unless <paramref name="allowEmpty"/>.</summary>
    public HoistResult Hoist(string parent, int percent, IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool allowEmpty = false)
    {
        HoistResult result;
        lock (_policy)
        {
            LayerRecord layer = Resolve(parent);
            string lineage = layer.Lineage ?? throw new StoreException(StoreErrorKind.InvalidArgument, $"'{layer.Name}' is not an edition; hoisting publishes a new edition of its lineage");
            result = _hoist.Hoist(layer.Name, NextEdition(lineage, layer), percent, progress, cancellationToken, allowEmpty);
        }
        Publish("edition.hoisted", result.Branch.Name,
            $"{result.HoistedBlocks} blocks shared by ≥{percent}% of {result.Leaves} leaves; leaves {result.LeafBytesBefore} → {result.LeafBytesAfter} bytes");
        return result;
    }

    /// <summary>
    /// Moves a leaf, or a branch, onto a newer edition (by default the latest of its parent's
    /// lineage), reporting the blocks changed both by that edition and by the layer itself. A branch
    /// is never changed in place: its blocks become the next edition of its own lineage over the new
    /// parent. A leaf with a node attached moves only at the node's next boot, and only when asked.
    /// The move must go forward along the parent's lineage unless <paramref name="options"/> allows a
    /// downgrade or another lineage on the same base; a leaf's hard quota must hold on the new chain
    /// (rules 4–5 in docs/invariants.md). A dry run checks and reports all of it and moves nothing.
    /// </summary>
    public RefreshResult Refresh(string name, string? to, bool atNextBoot, RefreshOptions? options = null)
    {
        options ??= new RefreshOptions();
        RefreshResult result;
        lock (_policy)
        {
            LayerRecord layer = Resolve(name);
            RefreshRules.CheckMovable(layer, options.Kind);
            LayerRecord parent = ParentOf(layer);
            LayerRecord target = to is not null ? Resolve(to) : (parent.Lineage is { } lineage ? LatestEdition(lineage)! : parent);
            if (!target.IsFrozen)
            {
                throw new StoreException(StoreErrorKind.WrongKind, $"'{target.Name}' is a leaf; a layer can only be moved onto a frozen edition");
            }
            if (Layers.Ancestry(target).Any(a => a.Id == layer.Id))
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, $"'{target.Name}' is built on '{layer.Name}': moving it there would make a cycle");
            }
            if (target.Id == parent.Id)
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, $"'{layer.Name}' is already on '{parent.Name}', the latest edition; name another with --to");
            }
            RefreshRules.CheckDirection(layer, parent, target, Layers.Ancestry(parent)[^1], Layers.Ancestry(target)[^1], options);
            OwnBlocks own = Layers.OwnBlocksOf(layer);
            NewLayer? branchEdition = null;
            if (layer.Kind == LayerKind.Branch)
            {
                string branchLineage = layer.Lineage ?? throw new StoreException(StoreErrorKind.InvalidArgument, $"branch '{layer.Name}' is not an edition; freeze it into a lineage first");
                if (LatestEdition(branchLineage) is { } latest && latest.Id != layer.Id)
                {
                    throw new StoreException(StoreErrorKind.OutOfLine,
                        $"'{layer.Name}' is not the latest edition of '{branchLineage}' ({latest.Name}): its refresh would become {branchLineage}'s latest without what {latest.Name} changed. Refresh {latest.Name} instead");
                }
                branchEdition = NextEdition(branchLineage, null);
            }
            else if (layer.QuotaBytes > 0)
            {
                long referenced = Layers.Read(target, device => device.CountReferencedBlocksWith(own)) * UnionBlock.Blocks.Size;
                if (referenced > layer.QuotaBytes)
                {
                    throw new StoreException(StoreErrorKind.OverQuota,
                        $"on '{target.Name}' the disk of '{layer.Name}' would reference {referenced} bytes, past its hard quota of {layer.QuotaBytes}; raise the quota first (ubd layer set {layer.Name} --quota BYTES)");
                }
            }
            if (IsAttached(layer) && layer.Kind == LayerKind.Leaf && !atNextBoot)
            {
                throw new StoreException(StoreErrorKind.InUse,
                    $"a node is attached to '{layer.Name}'; its disk cannot change under it. Add --at-next-boot to move it when the node boots next, or stop the node first.");
            }
            DiffResult changed = _diff.Diff(parent.Name, target.Name);
            ChangedExtent[] conflicts = [.. Intersect(changed.Extents, own)];
            bool deferred = layer.Kind == LayerKind.Leaf && IsAttached(layer);
            string moved = branchEdition?.Name ?? layer.Name;
            if (!options.DryRun)
            {
                if (branchEdition is { } edition)
                {
                    _branches.CopyBranchOnto(layer.Name, target.Name, edition);
                }
                else if (deferred)
                {
                    _records.Update([layer with { NextBootParentId = target.Id }]);
                }
                else
                {
                    _branches.ReparentLeaf(layer.Name, target.Name);
                }
            }
            result = new RefreshResult(moved, parent.Name, target.Name, deferred, conflicts, conflicts.Sum(c => c.Length), options.DryRun);
        }
        if (!result.DryRun)
        {
            Publish(result.AtNextBoot ? "refresh.pending" : "refresh.done", result.Layer,
                $"{result.From} → {result.To}; {result.Conflicts.Count} conflicting extents ({result.ConflictBytes} bytes)");
        }
        return result;
    }

    /// <summary>What <see cref="Hoist"/> would publish and which leaves it would move; nothing is written.</summary>
    public DryRunReport PreviewHoist(string parent, int percent, bool allowEmpty = false)
    {
        lock (_policy)
        {
            LayerRecord layer = Resolve(parent);
            string lineage = layer.Lineage ?? throw new StoreException(StoreErrorKind.InvalidArgument, $"'{layer.Name}' is not an edition; hoisting publishes a new edition of its lineage");
            NewLayer next = NextEdition(lineage, layer);
            (IReadOnlyList<string> leaves, long blocks) = _hoist.Preview(layer.Name, percent, allowEmpty);
            return new DryRunReport("hoist", layer.Name, next.Name, layer.Name, blocks, blocks * UnionBlock.Blocks.Size, leaves);
        }
    }

    /// <summary>What <see cref="Flatten"/> would copy; nothing is written.</summary>
    public DryRunReport PreviewFlatten(string name, string? newBase)
    {
        lock (_policy)
        {
            LayerRecord layer = Resolve(name);
            if (layer.Kind == LayerKind.Root)
            {
                return new DryRunReport("flatten", layer.Name, null, null, 0, 0, []);
            }
            LayerRecord below = layer.Kind == LayerKind.Leaf ? ParentOf(layer) : layer;
            long blocks = Layers.Read(below, device => device.CountReferencedBlocks());
            return layer.Kind == LayerKind.Leaf
                ? new DryRunReport("flatten", layer.Name, newBase ?? $"{layer.Name}.base", null, blocks, blocks * UnionBlock.Blocks.Size, [layer.Name])
                : new DryRunReport("flatten", layer.Name, null, null, blocks, blocks * UnionBlock.Blocks.Size, []);
        }
    }

    /// <summary>Makes a layer stand alone (see <see cref="TreeFlatten"/>).</summary>
    public FlattenResult Flatten(string name, string? newBase, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        FlattenResult result;
        lock (_policy)
        {
            LayerRecord layer = Resolve(name);
            result = _flatten.Flatten(layer.Name, newBase is null ? null : new NewLayer(newBase), progress, cancellationToken);
        }
        Publish("layer.flattened", result.Layer.Name, $"{result.CopiedBytes} bytes copied" + (result.NewBase is null ? "" : $" into {result.NewBase.Name}"));
        return result;
    }

    public DiffResult Diff(string from, string to, CancellationToken cancellationToken = default) =>
        _diff.Diff(Resolve(from).Name, Resolve(to).Name, cancellationToken);

    public long Export(string name, string output, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        _export.Export(Resolve(name).Name, output, format, progress, cancellationToken);

    public CompactionResult Compact(string leaf) => Layers.Compact(Resolve(leaf).Name);

    /// <summary>
    /// Deletes a layer. Refused for a protected layer, and — unless <paramref name="recursive"/> — for
    /// one with children or attached nodes; with it, everything built on the layer goes too (attached
    /// nodes lose their disks), but never a protected layer. A lineage's name alone deletes nothing
    /// unless <paramref name="allEditions"/>: then every edition of it goes (their numbers stay used).
    /// The files are removed at once; a dry run reports what would go and removes nothing.
    /// </summary>
    public DeleteResult Delete(string name, bool recursive, bool allEditions = false, bool dryRun = false)
    {
        DeleteResult result;
        lock (_policy)
        {
            LayerRecord[] targets = DeletionTargets(name, allEditions);
            var targetIds = targets.Select(t => t.Id).ToHashSet();
            List<LayerRecord> doomed = [];
            foreach (LayerRecord target in targets)
            {
                // Each subtree in post-order (children first); one already taken is left as it was.
                List<LayerRecord> subtree = [];
                CollectPostOrder(target, subtree);
                doomed.AddRange(subtree.Where(l => !doomed.Any(d => d.Id == l.Id)));
            }
            if (doomed.FirstOrDefault(l => l.Protected) is { } kept)
            {
                throw new StoreException(StoreErrorKind.Protected, $"'{kept.Name}' is protected; unprotect it first (ubd layer set {kept.Name} --protect false)");
            }
            if (!recursive)
            {
                LayerRecord[] built = [.. doomed.Where(l => !targetIds.Contains(l.Id))];
                if (built.Length > 0)
                {
                    throw new StoreException(StoreErrorKind.InUse,
                        $"'{name}' has {built.Length} layers built on it ({string.Join(", ", built.Take(5).Select(l => l.Name))}); delete those first, or add --recursive");
                }
                if (targets.FirstOrDefault(IsAttached) is { } attached)
                {
                    throw new StoreException(StoreErrorKind.InUse, $"a node is attached to '{attached.Name}'; stop it first, or add --recursive to delete the disk under it");
                }
            }
            if (dryRun)
            {
                result = new DeleteResult([.. doomed.Select(l => l.Name)], doomed.Sum(l => Layers.FileBytes(l.Id)), DryRun: true);
            }
            else
            {
                long freed = _deletion.Delete(doomed);
                RemoveAttachments(doomed.Select(l => l.Id));
                result = new DeleteResult([.. doomed.Select(l => l.Name)], freed);
            }
        }
        if (!dryRun)
        {
            Publish("layer.deleted", name, $"{result.Deleted.Count} layers, {result.FreedBytes} bytes freed");
        }
        return result;
    }

    /// <summary>The layers a delete names: one layer, or with <paramref name="allEditions"/> a whole lineage.</summary>
    private LayerRecord[] DeletionTargets(string name, bool allEditions)
    {
        if (Layers.Find(name) is { } exact)
        {
            if (allEditions)
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, $"'{name}' names one layer; --all-editions takes a lineage's name alone (e.g. '{exact.Lineage ?? "base"}')");
            }
            return [exact];
        }
        LayerRecord[] editions = [.. Layers.Layers.Where(l => l.Lineage == name).OrderBy(l => l.Edition)];
        if (editions.Length == 0)
        {
            Resolve(name); // the not-found error, with its hints
        }
        if (!allEditions)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument,
                $"'{name}' is a lineage ({string.Join(", ", editions.Select(e => e.Name))}); name one edition (e.g. {editions[^1].Name}), or add --all-editions to delete the whole lineage");
        }
        return editions;
    }

    /// <summary>Changes labels, protection, pinning or quotas.</summary>
    public LayerRecord Update(string name, LayerPatch patch)
    {
        LayerRecord updated;
        lock (_policy)
        {
            LayerRecord layer = Resolve(name);
            updated = layer;
            if (patch.Labels is { } labels)
            {
                foreach ((string key, string? value) in labels)
                {
                    if (LayerName.Problem(key) is { } problem)
                    {
                        throw new StoreException(StoreErrorKind.InvalidArgument, $"label key: {problem}");
                    }
                    if (value is { Length: > 256 })
                    {
                        throw new StoreException(StoreErrorKind.InvalidArgument, $"label '{key}': values are at most 256 characters");
                    }
                    updated = updated with { Labels = value is null ? updated.Labels.Remove(key) : updated.Labels.SetItem(key, value) };
                }
            }
            updated = updated with
            {
                Protected = patch.Protected ?? updated.Protected,
                Pinned = patch.Pinned ?? updated.Pinned,
                QuotaBytes = patch.QuotaBytes ?? updated.QuotaBytes,
                SoftQuotaBytes = patch.SoftQuotaBytes ?? updated.SoftQuotaBytes,
            };
            if (patch.QuotaBytes is not null || patch.SoftQuotaBytes is not null)
            {
                if (layer.Kind != LayerKind.Leaf)
                {
                    throw new StoreException(StoreErrorKind.WrongKind, $"'{layer.Name}' is frozen; quotas apply to leaves, the only layers that grow");
                }
                CheckQuota(layer, updated.QuotaBytes, updated.SoftQuotaBytes);
            }
            _records.Update([updated]);
        }
        Publish("layer.updated", updated.Name, "metadata changed");
        return updated;
    }

    public SpaceReport Space(string name)
    {
        LayerRecord layer = Resolve(name);
        SpaceUsage own = _space.Space(layer);
        List<LayerRecord> below = [];
        CollectPostOrder(layer, below);
        long children = below.Where(l => l.Id != layer.Id).Sum(_space.UniqueBytes);
        return new SpaceReport(layer.Name, own.WrittenBytes, own.ReferencedBytes, own.UniqueBytes, children);
    }

    /// <summary>A hard quota counts the blocks the disk references, its parent's included, so it
    /// must leave room above what the disk already shows (see DeviceQuota).</summary>
    private void CheckQuota(LayerRecord layer, long hard, long soft)
    {
        if (hard < 0 || soft < 0)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, "quotas are byte counts ≥ 0 (0 removes the quota)");
        }
        if (hard == 0)
        {
            return;
        }
        if (soft > hard)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"the soft quota ({soft}) is above the hard quota ({hard})");
        }
        long referenced = Layers.Read(layer, device => device.CountReferencedBlocks()) * UnionBlock.Blocks.Size;
        if (hard < referenced)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument,
                $"a hard quota of {hard} bytes is below the {referenced} bytes '{layer.Name}' already references (its base image counts, like ZFS refquota); choose at least that plus the room the node may write");
        }
    }

    private LayerRecord ParentOf(LayerRecord layer) =>
        layer.ParentId is { } id ? Layers.Get(id)! : throw new StoreException(StoreErrorKind.WrongKind, $"'{layer.Name}' is a root; it has no parent");

    private void CollectPostOrder(LayerRecord layer, List<LayerRecord> into)
    {
        foreach (LayerRecord child in Layers.Children(layer))
        {
            CollectPostOrder(child, into);
        }
        into.Add(layer);
    }

    private static IEnumerable<ChangedExtent> Intersect(IReadOnlyList<ChangedExtent> changed, OwnBlocks own)
    {
        var result = new List<ChangedExtent>();
        foreach (ChangedExtent extent in changed)
        {
            long first = extent.Offset >> UnionBlock.Blocks.Shift;
            long end = (extent.Offset + extent.Length + UnionBlock.Blocks.Mask) >> UnionBlock.Blocks.Shift;
            for (long block = first; block < end; block++)
            {
                if (own.Contains(block))
                {
                    long offset = block << UnionBlock.Blocks.Shift;
                    long length = Math.Min(UnionBlock.Blocks.Size, extent.Offset + extent.Length - offset);
                    if (result.Count > 0 && result[^1].Offset + result[^1].Length == offset)
                    {
                        result[^1] = result[^1] with { Length = result[^1].Length + length };
                    }
                    else
                    {
                        result.Add(new ChangedExtent(offset, length));
                    }
                }
            }
        }
        return result;
    }
}
