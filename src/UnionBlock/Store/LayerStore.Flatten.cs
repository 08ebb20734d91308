using UnionBlock.Root;
using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>What a flatten wrote: the layer that now stands alone and the bytes copied.</summary>
public sealed record FlattenResult(LayerRecord Layer, LayerRecord? NewBase, long CopiedBytes);

public sealed partial class LayerStore
{
    /// <summary>
    /// Makes a layer stand alone. A branch becomes a root in place: its whole view is written as a
    /// root image beside its files and the kind change is committed; children see the same disk.
    /// A leaf cannot lose its log, so its parent's view is written as a new root
    /// (<paramref name="newBase"/>) and the leaf moves onto it — while running, since nothing it
    /// reads changes.
    /// </summary>
    public FlattenResult Flatten(string name, NewLayer? newBase, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        lock (_operations)
        {
            LayerRecord layer = Get(name);
            return layer.Kind switch
            {
                LayerKind.Root => new FlattenResult(layer, null, 0),
                LayerKind.Branch => FlattenBranch(layer, progress, cancellationToken),
                _ => DetachLeaf(layer, newBase ?? new NewLayer($"{layer.Name}.base"), progress, cancellationToken),
            };
        }
    }

    private FlattenResult FlattenBranch(LayerRecord branch, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        string directory = LayerDirectory(branch.Id);
        long copied = WriteRootFrom(branch, directory, progress, cancellationToken);
        LayerRecord root = branch with { Kind = LayerKind.Root, ParentId = null };
        Fault.Point("flatten-before-commit");
        _catalog.Commit([root], []);
        RetireChains();
        Fault.Point("flatten-after-commit");
        File.Delete(Path.Combine(directory, Frozen.FrozenIndexFile.IndexFileName));
        File.Delete(Path.Combine(directory, Frozen.FrozenIndexFile.DataFileName));
        return new FlattenResult(root, null, copied);
    }

    private FlattenResult DetachLeaf(LayerRecord leaf, NewLayer baseName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        CheckNewName(baseName.Name);
        LayerRecord parent = _catalog.Get(leaf.ParentId!.Value)!;
        LayerRecord root = baseName.Stamp(new LayerRecord(Guid.NewGuid(), baseName.Name, LayerKind.Root, null, leaf.Size, 0, DateTimeOffset.UtcNow));
        long copied;
        try
        {
            copied = WriteRootFrom(parent, LayerDirectory(root.Id), progress, cancellationToken);
        }
        catch
        {
            System.IO.Directory.Delete(LayerDirectory(root.Id), recursive: true);
            throw;
        }
        DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));
        LayerRecord moved = leaf with { ParentId = root.Id };
        UnionDevice? open = OpenDeviceOf(leaf.Id);
        Fault.Point("detach-before-commit");
        if (open is null)
        {
            _catalog.Commit([root, moved], []);
        }
        else
        {
            open.Exclusive(() =>
            {
                _catalog.Commit([root, moved], []);
                open.Replace(open.Leaf, Chain(root.Id));
                return true;
            });
        }
        return new FlattenResult(moved, root, copied);
    }

    /// <summary>Writes the view of frozen <paramref name="source"/> as a root image (sparse, with its
    /// allocation bitmap) into <paramref name="directory"/>, durably.</summary>
    private long WriteRootFrom(LayerRecord source, string directory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var bitmap = new AllocationBitmap(Blocks.Count(source.Size));
        long copied = WithDevice(source, device =>
            ExportRaw(device, Path.Combine(directory, RootLayer.ImageFileName), bitmap, progress, cancellationToken));
        bitmap.Save(directory);
        return copied;
    }
}
