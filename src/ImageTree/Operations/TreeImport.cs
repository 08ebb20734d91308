using Microsoft.Win32.SafeHandles;
using UnionBlock;
using UnionBlock.Frozen;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>
/// Imports an image file as a new root or as a delta branch. Raw images are copied sparsely (holes
/// stay holes); qcow2 images are converted to raw by qemu-img first.
/// </summary>
public sealed class TreeImport(LayerStore layers)
{
    private const int Chunk = 1 << 20;

    /// <summary>The bytes an import's progress counts up to: the disk the image holds (a qcow2 file is smaller than its disk), 0 if there is no file.</summary>
    public static long ProgressTotal(string file) => File.Exists(file) ? QemuImg.DiskBytes(file) : 0;

    /// <summary>Imports an image as a new root. <paramref name="progress"/> gets bytes done of the raw image.</summary>
    public ImportResult Import(string name, string file, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Import(new NewLayer(name), file, format, overName: null, progress, cancellationToken);

    /// <summary>
    /// Imports an image as a new root or, with <paramref name="overName"/>, as a delta branch over
    /// that frozen layer: only blocks whose contents differ from what the layer shows are stored
    /// (blocks that became zeros are recorded as zero entries). A delta with no change is refused unless
    /// <paramref name="allowEmpty"/>: it would publish an edition identical to its base.
    /// </summary>
    public ImportResult Import(NewLayer name, string file, ImageFormat format, string? overName, IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool allowEmpty = false) =>
        layers.RunExclusive(() =>
        {
            layers.CheckNewName(name.Name);
            LayerRecord? over = overName is null ? null : layers.RequireFrozen(overName, "a delta's base");
            if (!File.Exists(file))
            {
                throw new StoreException(StoreErrorKind.NotFound, $"no image file at {file}");
            }
            if (format == ImageFormat.Auto)
            {
                format = QemuImg.HasQcow2Magic(file) ? ImageFormat.Qcow2 : ImageFormat.Raw;
            }
            var id = Guid.NewGuid();
            string directory = layers.LayerDirectory(id);
            string? converted = null;
            try
            {
                string raw = file;
                if (format == ImageFormat.Qcow2)
                {
                    converted = Path.Combine(layers.Directory, $"import-{id:N}.raw.tmp");
                    QemuImg.Convert(file, "qcow2", converted, "raw");
                    raw = converted;
                }
                if (over is not null)
                {
                    return ImportDelta(name, id, raw, over, allowEmpty, progress, cancellationToken);
                }
                (long size, long allocated) = layers.WriteRootFromImage(id, raw, progress, cancellationToken);
                LayerRecord layer = name.Stamp(new LayerRecord(id, name.Name, LayerKind.Root, null, size, 0, DateTimeOffset.UtcNow));
                layers.CommitNewLayer(layer);
                return new ImportResult(layer, size, allocated * Blocks.Size);
            }
            catch
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
                throw;
            }
            finally
            {
                if (converted is not null)
                {
                    File.Delete(converted);
                }
            }
        });

    private ImportResult ImportDelta(NewLayer name, Guid id, string raw, LayerRecord over, bool allowEmpty, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var image = File.OpenHandle(raw, FileMode.Open, FileAccess.Read, FileShare.Read);
        long size = RandomAccess.GetLength(image);
        if (size != over.Size)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument,
                $"{raw} is {size} bytes but '{over.Name}' is {over.Size}: a new edition has the size of the one it patches");
        }
        LayerRecord layer = name.Stamp(new LayerRecord(id, name.Name, LayerKind.Branch, over.Id, size, 0, DateTimeOffset.UtcNow));
        long changed = 0;
        long stored = layers.Read(over, device =>
        {
            byte[] mine = new byte[Chunk];
            byte[] theirs = new byte[Chunk];
            byte[] whole = new byte[Blocks.Size];
            using FrozenLayerWriter writer = layers.WriteFrozenLayer(layer);
            for (long offset = 0; offset < size; offset += Chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int length = (int)Math.Min(Chunk, size - offset);
                ReadFully(image, mine.AsSpan(0, length), offset);
                if (device.Read(offset, theirs.AsSpan(0, length)) != UnionBlock.Abstractions.BlockError.None)
                {
                    throw new IOException($"reading '{over.Name}' failed at offset {offset}");
                }
                for (int at = 0; at < length; at += Blocks.Size)
                {
                    int blockLength = Math.Min(Blocks.Size, length - at);
                    ReadOnlySpan<byte> block = mine.AsSpan(at, blockLength);
                    if (block.SequenceEqual(theirs.AsSpan(at, blockLength)))
                    {
                        continue;
                    }
                    long number = (offset + at) >> Blocks.Shift;
                    changed++;
                    if (block.ContainsAnyExcept((byte)0))
                    {
                        Array.Clear(whole);
                        block.CopyTo(whole);
                        writer.AddData(number, whole);
                    }
                    else
                    {
                        writer.AddZero(number, 1);
                    }
                }
                progress?.Report(offset + length);
            }
            if (changed == 0 && !allowEmpty)
            {
                throw new StoreException(StoreErrorKind.Empty,
                    $"{raw} shows the same disk as '{over.Name}': no block differs, so nothing was published (allow an empty edition explicitly if you want one)");
            }
            writer.Complete();
            return writer.DataBlocks * Blocks.Size;
        });
        layers.CommitNewLayer(layer);
        return new ImportResult(layer, size, stored);
    }

    private static void ReadFully(SafeFileHandle file, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(file, destination, offset);
            if (read <= 0)
            {
                destination.Clear();
                return;
            }
            destination = destination[read..];
            offset += read;
        }
    }
}
