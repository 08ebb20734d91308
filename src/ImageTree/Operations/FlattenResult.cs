using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>What a flatten wrote: the layer that now stands alone and the bytes copied.</summary>
public sealed record FlattenResult(LayerRecord Layer, LayerRecord? NewBase, long CopiedBytes);
