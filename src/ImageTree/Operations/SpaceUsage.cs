namespace ImageTree.Operations;

/// <summary>
/// Space of one layer, in the terms ZFS uses. <see cref="WrittenBytes"/>: data the layer holds itself
/// (for a leaf, written since it was last frozen). <see cref="ReferencedBytes"/>: data its disk shows
/// through the whole chain. <see cref="UniqueBytes"/>: bytes on disk that deleting the layer frees.
/// </summary>
public sealed record SpaceUsage(long WrittenBytes, long ReferencedBytes, long UniqueBytes, long MappedBlocks);
