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
                    $"'{parentName}' is a leaf; a leaf's parent must be a root or a branch. Freeze it first: ubd branch freeze --leaf {parentName} --name NAME");
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
