namespace ImageTree.Operations;

/// <summary>A run of blocks whose contents differ between two layers.</summary>
public readonly record struct ChangedExtent(long Offset, long Length);
