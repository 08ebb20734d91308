using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Union;

namespace ImageTree.Operations;

/// <summary>
/// Walks what a device holds in its data extents, a chunk at a time, without reading its zero
/// extents (holes, zeroed runs): export, flatten and the stream digests all cost what the data costs.
/// </summary>
internal static class DataExtents
{
    /// <summary>Extents are asked for a window at a time, so a huge sparse disk never lists them all at once.</summary>
    private const long WindowBytes = 64L << 20;

    /// <summary>The bytes at <paramref name="offset"/> are in <paramref name="buffer"/>[0, length); the buffer
    /// is zeroed from there up to the next block boundary, so a disk's partial last block reads as a whole one.</summary>
    public delegate void ChunkVisitor(long offset, int length);

    /// <summary>Reads every data extent of bytes [start, end) into <paramref name="buffer"/>, up to its length
    /// at a time, in ascending order; <paramref name="passed"/> hears each window's end.</summary>
    public static void ForEachChunk(UnionDevice device, long start, long end, byte[] buffer, CancellationToken cancellationToken, ChunkVisitor visit, Action<long>? passed = null)
    {
        end = Math.Min(end, device.Size);
        int chunkBytes = (int)(buffer.Length & ~Blocks.Mask);
        var extents = new List<Extent>();
        for (long window = start; window < end; window += WindowBytes)
        {
            long length = Math.Min(WindowBytes, end - window);
            extents.Clear();
            LayerChecks.Check(device.GetExtents(window, length, extents));
            foreach (Extent extent in extents)
            {
                if (extent.IsZero)
                {
                    continue;
                }
                for (long offset = extent.Offset; offset < extent.End; offset += chunkBytes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int bytes = (int)Math.Min(chunkBytes, extent.End - offset);
                    LayerChecks.Check(device.Read(offset, buffer.AsSpan(0, bytes)));
                    buffer.AsSpan(bytes, (int)(((bytes + Blocks.Mask) & ~Blocks.Mask) - bytes)).Clear();
                    visit(offset, bytes);
                }
            }
            passed?.Invoke(window + length);
        }
    }

    /// <summary>The blocks any of <paramref name="above"/> holds itself, ascending: all that can differ
    /// between a layer and an ancestor when <paramref name="above"/> are the layers between them.</summary>
    public static long[] HeldBy(UnionBlock.Store.LayerStore layers, IEnumerable<UnionBlock.Store.LayerRecord> above)
    {
        var blocks = new SortedSet<long>();
        foreach (UnionBlock.Store.LayerRecord layer in above)
        {
            blocks.UnionWith(layers.OwnBlocksOf(layer).Blocks);
        }
        return [.. blocks];
    }
}
