using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>How much space a layer takes, in the terms of <see cref="SpaceUsage"/>.</summary>
public sealed class SpaceAccounting(LayerStore layers)
{
    public SpaceUsage Space(LayerRecord layer)
    {
        OwnBlocks own = layers.OwnBlocksOf(layer);
        long referenced = layers.Read(layer, device => device.CountReferencedBlocks());
        return new SpaceUsage(own.DataBlocks * Blocks.Size, referenced * Blocks.Size, UniqueBytes(layer), own.Count);
    }

    /// <summary>Bytes on disk that deleting the layer frees (its own files; no layer shares files).</summary>
    public long UniqueBytes(LayerRecord layer) => layers.FileBytes(layer.Id);
}
