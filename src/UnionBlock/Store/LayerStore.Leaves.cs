using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>Result of a compaction: log bytes before and after.</summary>
public sealed record CompactionResult(long BytesBefore, long BytesAfter);

public sealed partial class LayerStore
{
    /// <summary>Registers a leaf over a frozen layer. Its disk exists at once: the log file is
    /// created when the leaf is first opened.</summary>
    public LayerRecord CreateLeaf(string name, string parentName, long quotaBytes = 0, long softQuotaBytes = 0)
    {
        lock (_operations)
        {
            CheckNewName(name);
            LayerRecord parent = Get(parentName);
            if (!parent.IsFrozen)
            {
                throw new StoreException(StoreErrorKind.WrongKind,
                    $"'{parentName}' is a leaf; a leaf's parent must be a root or a branch. Freeze it first: ubd leaf freeze {parentName} --into LINEAGE");
            }
            var leaf = new LayerRecord(Guid.NewGuid(), name, LayerKind.Leaf, parent.Id, parent.Size, 1, DateTimeOffset.UtcNow)
            {
                QuotaBytes = quotaBytes,
                SoftQuotaBytes = softQuotaBytes,
            };
            _catalog.Commit([leaf], []);
            return leaf;
        }
    }

    /// <summary>
    /// Seals the leaf's current contents into a new branch and lets the leaf go on, empty, over it.
    /// A node using the leaf sees the same disk throughout: its writes during the freeze land in the
    /// leaf's new log.
    /// </summary>
    public LayerRecord Freeze(string leafName, string branchName) => Freeze(leafName, new NewLayer(branchName));

    /// <inheritdoc cref="Freeze(string, string)"/>
    public LayerRecord Freeze(string leafName, NewLayer branchName)
    {
        lock (_operations)
        {
            CheckNewName(branchName.Name);
            LayerRecord leafRecord = RequireLeaf(leafName);
            return WithDevice(leafRecord, device =>
            {
                LeafLayer leaf = device.Leaf!;
                LayerRecord branch = branchName.Stamp(new LayerRecord(Guid.NewGuid(), branchName.Name, LayerKind.Branch, leafRecord.ParentId, leafRecord.Size, 0, DateTimeOffset.UtcNow));
                using LeafRewrite rewrite = leaf.BeginRewrite(keepLiveBlocks: false);
                using (var writer = new FrozenLayerWriter(LayerDirectory(branch.Id), branch.Id, Blocks.Count(branch.Size)))
                {
                    leaf.ForEachRun(rewrite.Snapshot, (first, _, data) => writer.AddData(first, data.Span), writer.AddZero);
                    writer.Complete();
                }
                SyncLayerFolders();
                LayerRecord moved = leafRecord with { ParentId = branch.Id, Generation = leafRecord.Generation + 1 };
                SwapLeaves([device], [rewrite], [branch, moved], branch.Id, "swap-leaf");
                return branch;
            });
        }
    }

    /// <summary>
    /// Discards every write of a leaf no one has open: its next generation starts with an empty log
    /// (created and synced before the commit), so it reads as its parent again; name, quotas and labels
    /// stay. The catalog commit is the switch; the old log goes after it (or at the next open).
    /// </summary>
    public LayerRecord ResetLeaf(string leafName)
    {
        lock (_operations)
        {
            LayerRecord leaf = RequireLeaf(leafName);
            if (IsOpen(leaf))
            {
                throw new StoreException(StoreErrorKind.InUse, $"leaf '{leafName}' is in use; it can be reset only while no one has it open (stop the node first)");
            }
            string directory = LayerDirectory(leaf.Id);
            LayerRecord reset = leaf with { Generation = leaf.Generation + 1, NextBootParentId = null };
            LeafLayer.Create(directory, leaf.Id, reset.Generation, leaf.Size).Dispose();
            SyncLayerFolders();
            Fault.Point("reset-before-commit");
            _catalog.Commit([reset], []);
            File.Delete(LeafLayer.LogFilePath(directory, leaf.Generation));
            return reset;
        }
    }

    /// <summary>Renames a leaf no one has open (one catalog commit; its files are named by id).</summary>
    public LayerRecord RenameLeaf(string leafName, string newName)
    {
        lock (_operations)
        {
            CheckNewName(newName);
            LayerRecord leaf = RequireLeaf(leafName);
            if (IsOpen(leaf))
            {
                throw new StoreException(StoreErrorKind.InUse, $"leaf '{leafName}' is in use; it can be renamed only while no one has it open");
            }
            LayerRecord renamed = leaf with { Name = newName };
            _catalog.Commit([renamed], []);
            return renamed;
        }
    }

    /// <summary>
    /// A new leaf over the same parent holding a copy of <paramref name="sourceName"/>'s own blocks
    /// (data and zero entries), written and flushed before its catalog commit. The source must not be
    /// open, so the copy is one point in time.
    /// </summary>
    public LayerRecord CloneLeaf(string sourceName, string name)
    {
        lock (_operations)
        {
            CheckNewName(name);
            LayerRecord source = RequireLeaf(sourceName);
            if (IsOpen(source))
            {
                throw new StoreException(StoreErrorKind.InUse, $"leaf '{sourceName}' is in use; clone it while no one has it open, or freeze it and make a leaf over that edition");
            }
            var clone = new LayerRecord(Guid.NewGuid(), name, LayerKind.Leaf, source.ParentId, source.Size, 1, DateTimeOffset.UtcNow)
            {
                QuotaBytes = source.QuotaBytes,
                SoftQuotaBytes = source.SoftQuotaBytes,
            };
            string directory = LayerDirectory(clone.Id);
            try
            {
                WithDevice(source, device =>
                {
                    using LeafLayer target = LeafLayer.Create(directory, clone.Id, 1, clone.Size);
                    byte[] block = new byte[Blocks.Size];
                    foreach ((long number, long entry) in device.Leaf!.Entries())
                    {
                        if (LeafEntry.IsData(entry))
                        {
                            device.Leaf.ReadData(entry, block);
                            target.AppendData(number, block);
                        }
                        else
                        {
                            target.AppendZeroes(number, 1);
                        }
                    }
                    target.FlushAsync().AsTask().GetAwaiter().GetResult();
                    return true;
                });
                SyncLayerFolders();
                Fault.Point("clone-before-commit");
                _catalog.Commit([clone], []);
                return clone;
            }
            catch
            {
                if (System.IO.Directory.Exists(directory))
                {
                    System.IO.Directory.Delete(directory, recursive: true);
                }
                throw;
            }
        }
    }

    /// <summary>Rewrites the leaf's log with only its live records (overwritten blocks leave dead ones), online.</summary>
    public CompactionResult Compact(string leafName)
    {
        lock (_operations)
        {
            LayerRecord leafRecord = RequireLeaf(leafName);
            return WithDevice(leafRecord, device =>
            {
                LeafLayer leaf = device.Leaf!;
                long before = leaf.LogLength;
                using LeafRewrite rewrite = leaf.BeginRewrite(keepLiveBlocks: true);
                LayerRecord moved = leafRecord with { Generation = leafRecord.Generation + 1 };
                SwapLeaves([device], [rewrite], [moved], leafRecord.ParentId!.Value, "swap-leaf");
                return new CompactionResult(before, rewrite.Target.LogLength);
            });
        }
    }

    /// <summary>With readers and writers of every device held off: copies each rewrite's tail,
    /// commits the catalog once (the commit point) and makes the new logs current; then deletes the
    /// old logs. <paramref name="faultPrefix"/> names this swap's fault points.</summary>
    public void SwapLeaves(IReadOnlyList<UnionDevice> devices, IReadOnlyList<LeafRewrite> rewrites, IReadOnlyList<LayerRecord> commit, Guid chainTop, string faultPrefix)
    {
        Fault.Point(faultPrefix);
        HoldAll(devices, 0, () =>
        {
            foreach (LeafRewrite rewrite in rewrites)
            {
                rewrite.Source.FinishRewrite(rewrite);
            }
            Fault.Point(faultPrefix + "-before-commit");
            _catalog.Commit(commit, []);
            FrozenChain chain = Chain(chainTop);
            for (int i = 0; i < devices.Count; i++)
            {
                devices[i].Replace(rewrites[i].Target, chain);
            }
        });
        foreach (LeafRewrite rewrite in rewrites)
        {
            string oldLog = rewrite.Source.LogPath;
            rewrite.Source.Abandon();
            Fault.Point(faultPrefix + "-after-commit");
            File.Delete(oldLog);
        }
    }

    private static void HoldAll(IReadOnlyList<UnionDevice> devices, int index, Action action)
    {
        if (index == devices.Count)
        {
            action();
            return;
        }
        devices[index].Exclusive(() =>
        {
            HoldAll(devices, index + 1, action);
            return true;
        });
    }

    /// <summary>The leaf named <paramref name="name"/>; refuses any other kind.</summary>
    public LayerRecord RequireLeaf(string name)
    {
        LayerRecord layer = Get(name);
        return layer.Kind == LayerKind.Leaf
            ? layer
            : throw new StoreException(StoreErrorKind.WrongKind, $"'{name}' is a {layer.Kind.ToString().ToLowerInvariant()}, not a leaf; only leaves can be written, frozen or compacted");
    }

    /// <summary>Refuses a name that is malformed or already taken.</summary>
    public void CheckNewName(string name)
    {
        if (LayerName.Problem(name) is { } problem)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, problem);
        }
        if (Find(name) is not null)
        {
            throw new StoreException(StoreErrorKind.AlreadyExists, $"a layer named '{name}' already exists; choose another name");
        }
    }
}
