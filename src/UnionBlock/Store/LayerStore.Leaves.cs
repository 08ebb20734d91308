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
                DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));
                LayerRecord moved = leafRecord with { ParentId = branch.Id, Generation = leafRecord.Generation + 1 };
                SwapLeaf(device, rewrite, [branch, moved], branch.Id);
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
                SwapLeaf(device, rewrite, [moved], leafRecord.ParentId!.Value);
                return new CompactionResult(before, rewrite.Target.LogLength);
            });
        }
    }

    /// <summary>With readers and writers held off: copies the tail, commits the catalog (the commit
    /// point), and makes the new log current; then deletes the old log.</summary>
    private void SwapLeaf(UnionDevice device, LeafRewrite rewrite, IReadOnlyList<LayerRecord> commit, Guid chainTop)
    {
        Fault.Point("swap-leaf");
        LeafLayer old = rewrite.Source;
        device.Exclusive(() =>
        {
            old.FinishRewrite(rewrite);
            Fault.Point("swap-leaf-before-commit");
            _catalog.Commit(commit, []);
            device.Replace(rewrite.Target, Chain(chainTop));
            return true;
        });
        string oldLog = old.LogPath;
        old.Abandon();
        Fault.Point("swap-leaf-after-commit");
        File.Delete(oldLog);
    }

    private LayerRecord RequireLeaf(string name)
    {
        LayerRecord layer = Get(name);
        return layer.Kind == LayerKind.Leaf
            ? layer
            : throw new StoreException(StoreErrorKind.WrongKind, $"'{name}' is a {layer.Kind.ToString().ToLowerInvariant()}, not a leaf; only leaves can be written, frozen or compacted");
    }

    private void CheckNewName(string name)
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
