namespace UnionBlock.Store;

/// <summary>The blocks a layer holds itself (not through its parents), in ascending order.
/// <see cref="Zero"/> marks blocks recorded as zeros (they mask the layers below).</summary>
public sealed class OwnBlocks(long[] blocks, BitArrayLite zero)
{
    public IReadOnlyList<long> Blocks => blocks;

    public int Count => blocks.Length;

    public bool IsZero(int index) => zero[index];

    /// <summary>Blocks holding data (zero entries excluded).</summary>
    public long DataBlocks
    {
        get
        {
            long count = 0;
            for (int i = 0; i < blocks.Length; i++)
            {
                count += zero[i] ? 0 : 1;
            }
            return count;
        }
    }

    public bool Contains(long block) => Array.BinarySearch(blocks, block) >= 0;
}

/// <summary>A growable bit array (BCL's BitArray is fixed size and boxes through its enumerator).</summary>
public sealed class BitArrayLite
{
    private ulong[] _words = new ulong[1];

    public bool this[int index]
    {
        get => index >> 6 < _words.Length && (_words[index >> 6] & (1UL << (index & 63))) != 0;
    }

    public void Set(int index)
    {
        if (index >> 6 >= _words.Length)
        {
            Array.Resize(ref _words, Math.Max(_words.Length * 2, (index >> 6) + 1));
        }
        _words[index >> 6] |= 1UL << (index & 63);
    }
}
