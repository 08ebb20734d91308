using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>What a hoist did: the new branch, how many blocks moved into it, and the leaves' own data
/// bytes before and after.</summary>
public sealed record HoistResult(LayerRecord Branch, int Leaves, long HoistedBlocks, long LeafBytesBefore, long LeafBytesAfter);
