using UnionBlock.Root;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>
/// Makes a layer stand alone. A branch becomes a root in place: its whole view is written as a
/// root image beside its files and the kind change is committed; children see the same disk.
/// A leaf cannot lose its log, so its parent's view is written as a new root and the leaf moves
/// onto it — while running, since nothing it reads changes.
/// </summary>
public sealed class TreeFlatten(LayerStore layers)
{
    /// <summary>Flattens <paramref name="name"/>; a leaf's new root is named <paramref name="newBase"/>
    /// (by default NAME.base).</summary>
    public FlattenResult Flatten(string name, NewLayer? newBase, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        layers.RunExclusive(() =>
        {
            LayerRecord layer = layers.Get(name);
            return layer.Kind switch
            {
                LayerKind.Root => new FlattenResult(layer, null, 0),
                LayerKind.Branch => FlattenBranch(layer, progress, cancellationToken),
                _ => DetachLeaf(layer, newBase ?? new NewLayer($"{layer.Name}.base"), progress, cancellationToken),
            };
        });

    private FlattenResult FlattenBranch(LayerRecord branch, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long copied = WriteRootFrom(branch, branch.Id, progress, cancellationToken);
        LayerRecord root = branch with { Kind = LayerKind.Root, ParentId = null };
        Fault.Point("flatten-before-commit");
        layers.Commit([root], []);
        layers.RetireChains();
        Fault.Point("flatten-after-commit");
        layers.DeleteBranchFiles(branch.Id);
        return new FlattenResult(root, null, copied);
    }

    private FlattenResult DetachLeaf(LayerRecord leaf, NewLayer baseName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        layers.CheckNewName(baseName.Name);
        LayerRecord parent = layers.Get(leaf.ParentId!.Value)!;
        LayerRecord root = baseName.Stamp(new LayerRecord(Guid.NewGuid(), baseName.Name, LayerKind.Root, null, leaf.Size, 0, DateTimeOffset.UtcNow));
        long copied;
        try
        {
            copied = WriteRootFrom(parent, root.Id, progress, cancellationToken);
        }
        catch
        {
            Directory.Delete(layers.LayerDirectory(root.Id), recursive: true);
            throw;
        }
        layers.SyncLayerFolders();
        LayerRecord moved = leaf with { ParentId = root.Id };
        Fault.Point("detach-before-commit");
        layers.CommitMovingLeaf(leaf, root.Id, [root, moved]);
        return new FlattenResult(moved, root, copied);
    }

    /// <summary>Writes the view of frozen <paramref name="source"/> as the root files of layer
    /// <paramref name="target"/> (sparse, with its allocation bitmap), durably.</summary>
    private long WriteRootFrom(LayerRecord source, Guid target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        RootImageWriter root = layers.WriteRootLayer(target, source.Size);
        long copied = layers.Read(source, device =>
            TreeExport.WriteSparse(device, root.ImagePath, root.MarkAllocated, progress, cancellationToken));
        root.Complete();
        return copied;
    }
}
