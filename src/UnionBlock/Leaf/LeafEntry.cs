namespace UnionBlock.Leaf;

/// <summary>
/// Encoding of a leaf index entry: 0 is "not in this leaf", 1 is a zero block, anything else is the
/// log offset of the block's data (always past the file header, so never 0 or 1).
/// </summary>
public static class LeafEntry
{
    public const long Absent = 0;
    public const long Zero = 1;

    public static bool IsData(long entry) => entry > Zero;
}
