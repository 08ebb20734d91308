namespace ImageTree.Operations;

/// <summary>How two layers' disks differ: extents in block order and the bytes they cover.</summary>
public sealed record DiffResult(string From, string To, IReadOnlyList<ChangedExtent> Extents, long ChangedBytes, long ComparedBlocks);
