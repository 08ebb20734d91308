using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Compares what two layers show, block by block.</summary>
public sealed class TreeDiff(LayerStore layers)
{
    private const int DiffRunBlocks = 256;

    /// <summary>
    /// Reads only blocks that can differ: those held by a layer on either side between the two and
    /// their nearest common ancestor. Layers without a common ancestor are compared in full.
    /// </summary>
    public DiffResult Diff(string fromName, string toName, CancellationToken cancellationToken = default)
    {
        LayerRecord from = layers.Get(fromName);
        LayerRecord to = layers.Get(toName);
        LayerChecks.CheckSameSize(from, to);
        long[] candidates = CandidateBlocks(from, to);
        var extents = new List<ChangedExtent>();
        layers.Read(from, a => layers.Read(to, b =>
        {
            byte[] left = new byte[DiffRunBlocks * Blocks.Size];
            byte[] right = new byte[DiffRunBlocks * Blocks.Size];
            int i = 0;
            while (i < candidates.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int run = 1;
                while (i + run < candidates.Length && run < DiffRunBlocks && candidates[i + run] == candidates[i] + run)
                {
                    run++;
                }
                long offset = candidates[i] << Blocks.Shift;
                int length = (int)Math.Min((long)run << Blocks.Shift, from.Size - offset);
                LayerChecks.Check(a.Read(offset, left.AsSpan(0, length)));
                LayerChecks.Check(b.Read(offset, right.AsSpan(0, length)));
                for (int k = 0; k * Blocks.Size < length; k++)
                {
                    int blockLength = Math.Min(Blocks.Size, length - k * Blocks.Size);
                    if (!left.AsSpan(k * Blocks.Size, blockLength).SequenceEqual(right.AsSpan(k * Blocks.Size, blockLength)))
                    {
                        AddChanged(extents, offset + ((long)k << Blocks.Shift), blockLength);
                    }
                }
                i += run;
            }
            return true;
        }));
        return new DiffResult(from.Name, to.Name, extents, extents.Sum(e => e.Length), candidates.Length);
    }

    private long[] CandidateBlocks(LayerRecord from, LayerRecord to)
    {
        IReadOnlyList<LayerRecord> up = layers.Ancestry(from);
        IReadOnlyList<LayerRecord> down = layers.Ancestry(to);
        var common = up.Select(l => l.Id).Intersect(down.Select(l => l.Id)).ToHashSet();
        if (common.Count == 0)
        {
            long count = Blocks.Count(from.Size);
            long[] all = new long[count];
            for (long b = 0; b < count; b++)
            {
                all[b] = b;
            }
            return all;
        }
        return DataExtents.HeldBy(layers, up.TakeWhile(l => !common.Contains(l.Id)).Concat(down.TakeWhile(l => !common.Contains(l.Id))));
    }

    private static void AddChanged(List<ChangedExtent> extents, long offset, int length)
    {
        if (extents.Count > 0 && extents[^1].Offset + extents[^1].Length == offset)
        {
            extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
            return;
        }
        extents.Add(new ChangedExtent(offset, length));
    }
}
