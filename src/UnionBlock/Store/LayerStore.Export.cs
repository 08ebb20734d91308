using System.Buffers;
using UnionBlock.Abstractions;
using UnionBlock.Union;

namespace UnionBlock.Store;

public sealed partial class LayerStore
{
    private const int ExportChunk = 1 << 20;

    /// <summary>
    /// Writes the disk a layer shows (its whole chain flattened) to <paramref name="output"/>,
    /// skipping holes so a raw export stays sparse. qcow2 goes through qemu-img.
    /// Returns the bytes of data written.
    /// </summary>
    public long Export(string name, string output, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        LayerRecord layer = Get(name);
        if (format == ImageFormat.Qcow2)
        {
            string raw = output + ".raw.tmp";
            try
            {
                long written = Export(name, raw, ImageFormat.Raw, progress, cancellationToken);
                File.Delete(output);
                ConvertWithQemuImg(raw, "raw", output, "qcow2");
                return written;
            }
            finally
            {
                File.Delete(raw);
            }
        }
        return WithDevice(layer, device => ExportRaw(device, output, null, progress, cancellationToken));
    }

    /// <summary>Writes the device's data extents into a sparse file; <paramref name="allocated"/>, when
    /// given, gets a bit per block written (a root layer's bitmap).</summary>
    private static long ExportRaw(UnionDevice device, string output, Root.AllocationBitmap? allocated, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ExportChunk);
        long written = 0;
        try
        {
            using var file = File.OpenHandle(output, FileMode.Create, FileAccess.Write);
            RandomAccess.SetLength(file, device.Size);
            var extents = new List<Extent>();
            for (long window = 0; window < device.Size; window += 64L * ExportChunk)
            {
                extents.Clear();
                long length = Math.Min(64L * ExportChunk, device.Size - window);
                Check(device.GetExtents(window, length, extents));
                foreach (Extent extent in extents)
                {
                    if (extent.IsZero)
                    {
                        continue;
                    }
                    for (long offset = extent.Offset; offset < extent.End; offset += ExportChunk)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Span<byte> chunk = buffer.AsSpan(0, (int)Math.Min(ExportChunk, extent.End - offset));
                        Check(device.Read(offset, chunk));
                        RandomAccess.Write(file, chunk, offset);
                        written += chunk.Length;
                        for (long block = offset >> Blocks.Shift; allocated is not null && block << Blocks.Shift < offset + chunk.Length; block++)
                        {
                            allocated.Set(block);
                        }
                    }
                }
                progress?.Report(window + length);
            }
            Native.LibC.DataSync(file);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return written;
    }
}
