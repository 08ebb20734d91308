namespace UnionBlock;

/// <summary>Where a block's current contents live.</summary>
internal enum SourceKind : byte
{
    /// <summary>No layer holds the block: it reads as zeros and is a hole.</summary>
    Hole,
    /// <summary>A layer recorded the block as zeros, masking the layers below.</summary>
    Zero,
    Leaf,
    Branch,
    Root,
}

/// <summary>
/// The resolution of one block. <see cref="Position"/> is the leaf log offset (leaf), the data slot
/// (branch) or the byte offset in the image (root). <see cref="Layer"/> is the branch number.
/// <see cref="Depth"/> counts layers from the top (1 = the top layer), 0 for a hole.
/// </summary>
internal readonly record struct BlockSource(SourceKind Kind, int Layer, long Position, uint Crc, int Depth)
{
    /// <summary>True when block <c>first + distance</c>, resolved to <paramref name="next"/>, can be read
    /// in the same call as the run starting at this block.</summary>
    public bool Continues(in BlockSource next, long distance) => Kind == next.Kind && Kind switch
    {
        SourceKind.Hole or SourceKind.Zero => true,
        SourceKind.Leaf => next.Position == Position + (distance << Blocks.Shift),
        SourceKind.Branch => next.Layer == Layer && next.Position == Position + distance,
        SourceKind.Root => true,
        _ => false,
    };
}
