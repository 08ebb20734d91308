using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Result of an import: the new layer and how much of the image was stored.</summary>
/// <param name="StoredBytes">Bytes of block data the new layer stores (a delta stores only the blocks that differ).</param>
public sealed record ImportResult(LayerRecord Layer, long ImageBytes, long StoredBytes);
