namespace UnionBlock.Store;

/// <summary>
/// Space of one layer, in the terms ZFS uses. <see cref="WrittenBytes"/>: data the layer holds itself
/// (for a leaf, written since it was last frozen). <see cref="ReferencedBytes"/>: data its disk shows
/// through the whole chain. <see cref="UniqueBytes"/>: bytes on disk that deleting the layer frees.
/// </summary>
public sealed record SpaceUsage(long WrittenBytes, long ReferencedBytes, long UniqueBytes, long MappedBlocks);

public sealed partial class LayerStore
{
    public SpaceUsage Space(LayerRecord layer)
    {
        OwnBlocks own = OwnBlocksOf(layer);
        long referenced = WithDevice(layer, device => device.CountReferencedBlocks());
        return new SpaceUsage(own.DataBlocks * Blocks.Size, referenced * Blocks.Size, UniqueBytes(layer), own.Count);
    }

    /// <summary>Bytes on disk that deleting the layer frees (its own files; no layer shares files).</summary>
    public long UniqueBytes(LayerRecord layer) => DirectoryBytes(LayerDirectory(layer.Id));
}
