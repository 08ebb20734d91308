using System.Buffers;
using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Store;
using UnionBlock.Union;

namespace ImageTree.Operations;

/// <summary>Writes the disk a layer shows (its whole chain flattened) to an image file.</summary>
public sealed class TreeExport(LayerStore layers)
{
    private const int ExportChunk = 1 << 20;

    /// <summary>
    /// Writes the disk a layer shows to <paramref name="output"/>, skipping holes so a raw export
    /// stays sparse. qcow2 goes through qemu-img; auto picks qcow2 for a name ending in .qcow2 or .qcow,
    /// raw for any other. Returns the bytes of data written.
    /// </summary>
    public long Export(string name, string output, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        LayerRecord layer = layers.Get(name);
        if (format == ImageFormat.Auto)
        {
            format = Path.GetExtension(output).ToLowerInvariant() is ".qcow2" or ".qcow" ? ImageFormat.Qcow2 : ImageFormat.Raw;
        }
        if (format == ImageFormat.Qcow2)
        {
            string raw = output + ".raw.tmp";
            try
            {
                long written = Export(name, raw, ImageFormat.Raw, progress, cancellationToken);
                File.Delete(output);
                QemuImg.Convert(raw, "raw", output, "qcow2");
                return written;
            }
            finally
            {
                File.Delete(raw);
            }
        }
        return layers.Read(layer, device => WriteSparse(device, output, null, progress, cancellationToken));
    }

    /// <summary>Writes the device's data extents into a sparse file, durably; <paramref name="allocated"/>,
    /// when given, is told every block written (a root layer's bitmap).</summary>
    internal static long WriteSparse(UnionDevice device, string output, Action<long>? allocated, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ExportChunk);
        long written = 0;
        try
        {
            using var file = File.OpenHandle(output, FileMode.Create, FileAccess.Write);
            RandomAccess.SetLength(file, device.Size);
            DataExtents.ForEachChunk(device, 0, device.Size, buffer, cancellationToken, (offset, length) =>
            {
                RandomAccess.Write(file, buffer.AsSpan(0, length), offset);
                written += length;
                for (long block = offset >> Blocks.Shift; allocated is not null && block << Blocks.Shift < offset + length; block++)
                {
                    allocated(block);
                }
            }, progress is null ? null : progress.Report);
            DurableFile.DataSync(file);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return written;
    }
}
