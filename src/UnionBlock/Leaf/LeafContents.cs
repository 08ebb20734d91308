namespace UnionBlock.Leaf;

/// <summary>
/// A read-only look at a live leaf's index and data, for tree operations outside the engine that
/// only inspect a leaf (a hoist's dry run). Entries are encoded as <see cref="LeafEntry"/> says.
/// </summary>
public sealed class LeafContents
{
    private readonly LeafLayer _leaf;

    internal LeafContents(LeafLayer leaf) => _leaf = leaf;

    public IEnumerable<(long Block, long Entry)> Entries() => _leaf.Entries();

    public void ReadData(long entry, Span<byte> destination) => _leaf.ReadData(entry, destination);
}
