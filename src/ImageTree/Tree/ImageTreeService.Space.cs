using ImageTree.Operations;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>One layer's line in the whole-tree space view (as <c>rbd du</c> shows images).</summary>
/// <param name="ProvisionedBytes">The size of the disk the layer shows.</param>
/// <param name="UsedBytes">Bytes of the layer's own files: what deleting it frees.</param>
/// <param name="WrittenBytes">Data the layer holds itself.</param>
/// <param name="ReferencedBytes">Data its disk shows through the whole chain.</param>
public sealed record LayerSpace(string Name, string Kind, string? Parent, long ProvisionedBytes, long UsedBytes, long WrittenBytes, long ReferencedBytes);

/// <summary>
/// The whole tree's space: every layer, what is stored in all (<see cref="UsedBytes"/>), and what
/// full per-node copies of every leaf's disk would store instead (<see cref="LeafReferencedBytes"/>).
/// </summary>
public sealed record TreeSpace(IReadOnlyList<LayerSpace> Layers, long UsedBytes, long LeafProvisionedBytes, long LeafReferencedBytes)
{
    /// <summary>Bytes the tree saves against a full copy per leaf (negative if it stores more).</summary>
    public long SavedBytes => LeafReferencedBytes - UsedBytes;
}

public sealed partial class ImageTreeService
{
    /// <summary>Reads every layer's chain once, so it costs a pass over each disk's block map.</summary>
    public TreeSpace TreeSpace()
    {
        LayerSpace[] layers = [.. List().Select(info =>
        {
            LayerRecord layer = Layers.Get(info.Name);
            SpaceUsage usage = _space.Space(layer);
            return new LayerSpace(info.Name, info.Kind, info.Parent, layer.Size, usage.UniqueBytes, usage.WrittenBytes, usage.ReferencedBytes);
        })];
        LayerSpace[] leaves = [.. layers.Where(l => l.Kind == "leaf")];
        return new TreeSpace(layers, layers.Sum(l => l.UsedBytes), leaves.Sum(l => l.ProvisionedBytes), leaves.Sum(l => l.ReferencedBytes));
    }
}
