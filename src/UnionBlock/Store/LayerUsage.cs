namespace UnionBlock.Store;

/// <summary>Space a layer uses on its own (not counting its parents).</summary>
/// <param name="MappedBlocks">Blocks the layer holds (data or zero entries).</param>
/// <param name="StoredBytes">Bytes of files on disk (allocated, so holes do not count).</param>
public sealed record LayerUsage(long MappedBlocks, long StoredBytes);
