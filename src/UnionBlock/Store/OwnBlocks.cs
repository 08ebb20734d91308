namespace UnionBlock.Store;

/// <summary>The blocks a layer holds itself (not through its parents), in ascending order, and for
/// each whether it is recorded as zeros (masking the layers below) rather than data.</summary>
public sealed class OwnBlocks(long[] blocks, bool[] zero)
{
    public IReadOnlyList<long> Blocks => blocks;

    public int Count => blocks.Length;

    /// <summary>Blocks holding data (zero entries excluded).</summary>
    public long DataBlocks => zero.LongCount(z => !z);

    public bool Contains(long block) => Array.BinarySearch(blocks, block) >= 0;
}
