using UnionBlock.Leaf;
using UnionBlock.Root;

namespace UnionBlock.Frozen;

/// <summary>
/// The frozen part of a chain — the root and the branches above it — with one merged map from
/// block to the topmost frozen layer that holds it. Frozen layers never change, so the map is
/// built once and shared by every leaf above the same top layer: whatever the depth, a block
/// resolves with one look-up here (plus one in the leaf).
/// Map entries: bits 48..63 the branch number (1 = bottom branch), bits 0..47 the entry index + 1.
/// A block absent from the map comes from the root.
/// </summary>
internal sealed class FrozenChain : IDisposable
{
    private const int LayerShift = 48;
    private const long IndexMask = (1L << LayerShift) - 1;
    private readonly BlockMap _merged;
    private readonly FrozenEntry[][] _entries;

    public FrozenChain(Guid topId, RootLayer root, IReadOnlyList<FrozenLayer> branchesBottomUp)
    {
        TopId = topId;
        Root = root;
        Branches = branchesBottomUp;
        _merged = new BlockMap(Blocks.Count(root.Size));
        _entries = new FrozenEntry[branchesBottomUp.Count][];
        for (int layer = 0; layer < branchesBottomUp.Count; layer++)
        {
            _entries[layer] = [.. branchesBottomUp[layer].Entries];
            FrozenEntry[] entries = _entries[layer];
            for (int i = 0; i < entries.Length; i++)
            {
                _merged.Set(entries[i].Block, ((long)(layer + 1) << LayerShift) | (i + 1L));
            }
        }
    }

    /// <summary>The id of the top frozen layer (the root's own id when there is no branch).</summary>
    public Guid TopId { get; }

    public RootLayer Root { get; }

    public IReadOnlyList<FrozenLayer> Branches { get; }

    public long Size => Root.Size;

    /// <summary>Layers in the chain: the branches and the root.</summary>
    public int LayerCount => Branches.Count + 1;

    /// <summary>Where <paramref name="block"/> comes from in the frozen part of the chain.
    /// <paramref name="layersAbove"/> is how many writable layers sit above (for depth numbering).</summary>
    public BlockSource Resolve(long block, int layersAbove)
    {
        long merged = _merged.Get(block);
        if (merged == 0)
        {
            int rootDepth = layersAbove + LayerCount;
            return Root.IsAllocated(block)
                ? new BlockSource(SourceKind.Root, -1, block << Blocks.Shift, 0, rootDepth)
                : new BlockSource(SourceKind.Hole, -1, 0, 0, 0);
        }
        int layer = (int)(merged >> LayerShift) - 1;
        FrozenEntry entry = _entries[layer][(merged & IndexMask) - 1];
        int depth = layersAbove + (Branches.Count - layer);
        return entry.IsZero
            ? new BlockSource(SourceKind.Zero, layer, 0, 0, depth)
            : new BlockSource(SourceKind.Branch, layer, entry.Slot, entry.Crc, depth);
    }

    /// <summary>Reads whole blocks of branch <paramref name="layer"/> from consecutive slots and
    /// verifies each against its stored checksum.</summary>
    public void ReadBranch(int layer, long firstBlock, uint firstSlot, Span<byte> destination)
    {
        FrozenLayer branch = Branches[layer];
        branch.ReadSlots(firstSlot, destination);
        for (int i = 0; i * Blocks.Size < destination.Length; i++)
        {
            BlockSource source = Resolve(firstBlock + i, 0);
            branch.Verify(source.Crc, destination.Slice(i * Blocks.Size, Blocks.Size), firstBlock + i);
        }
    }

    public void Dispose()
    {
        Root.Dispose();
        foreach (FrozenLayer branch in Branches)
        {
            branch.Dispose();
        }
    }
}
