using System.Diagnostics;
using UnionBlock.Frozen;
using UnionBlock.Root;

namespace UnionBlock.Store;

/// <summary>Result of an import: the new layer and how much of the image was stored.</summary>
/// <param name="StoredBytes">Bytes of block data the new layer stores (a delta stores only the blocks that differ).</param>
public sealed record ImportResult(LayerRecord Layer, long ImageBytes, long StoredBytes);

public sealed partial class LayerStore
{
    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    /// <summary>
    /// Imports an image file as a new root. Raw images are copied sparsely (holes stay holes); qcow2
    /// images are converted to raw by qemu-img first. <paramref name="progress"/> gets bytes done of
    /// the raw image.
    /// </summary>
    public ImportResult ImportImage(string name, string file, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        ImportImage(new NewLayer(name), file, format, overName: null, progress, cancellationToken);

    /// <summary>
    /// Imports an image as a new root or, with <paramref name="overName"/>, as a delta branch over
    /// that frozen layer: only blocks whose contents differ from what the layer shows are stored
    /// (blocks that became zeros are recorded as zero entries).
    /// </summary>
    public ImportResult ImportImage(NewLayer name, string file, ImageFormat format, string? overName, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        lock (_operations)
        {
            CheckNewName(name.Name);
            LayerRecord? over = overName is null ? null : RequireFrozen(overName, "a delta's base");
            if (!File.Exists(file))
            {
                throw new StoreException(StoreErrorKind.NotFound, $"no image file at {file}");
            }
            if (format == ImageFormat.Auto)
            {
                format = HasQcow2Magic(file) ? ImageFormat.Qcow2 : ImageFormat.Raw;
            }
            var id = Guid.NewGuid();
            string directory = LayerDirectory(id);
            string? converted = null;
            try
            {
                string raw = file;
                if (format == ImageFormat.Qcow2)
                {
                    converted = Path.Combine(Directory, $"import-{id:N}.raw.tmp");
                    ConvertWithQemuImg(file, "qcow2", converted, "raw");
                    raw = converted;
                }
                if (over is not null)
                {
                    return ImportDelta(name, id, raw, over, progress, cancellationToken);
                }
                (long size, long allocated) = RootImporter.ImportRaw(raw, directory, progress, cancellationToken);
                LayerRecord layer = name.Stamp(new LayerRecord(id, name.Name, LayerKind.Root, null, size, 0, DateTimeOffset.UtcNow));
                CommitNewLayer(layer);
                return new ImportResult(layer, size, allocated * Blocks.Size);
            }
            catch
            {
                if (System.IO.Directory.Exists(directory))
                {
                    System.IO.Directory.Delete(directory, recursive: true);
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
        }
    }

    private ImportResult ImportDelta(NewLayer name, Guid id, string raw, LayerRecord over, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        const int Chunk = 1 << 20;
        using var image = File.OpenHandle(raw, FileMode.Open, FileAccess.Read, FileShare.Read);
        long size = RandomAccess.GetLength(image);
        if (size != over.Size)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument,
                $"{raw} is {size} bytes but '{over.Name}' is {over.Size}: a new edition has the size of the one it patches");
        }
        LayerRecord layer = name.Stamp(new LayerRecord(id, name.Name, LayerKind.Branch, over.Id, size, 0, DateTimeOffset.UtcNow));
        long stored = WithDevice(over, device =>
        {
            byte[] mine = new byte[Chunk];
            byte[] theirs = new byte[Chunk];
            byte[] whole = new byte[Blocks.Size];
            using var writer = new FrozenLayerWriter(LayerDirectory(id), id, Blocks.Count(size));
            for (long offset = 0; offset < size; offset += Chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int length = (int)Math.Min(Chunk, size - offset);
                ReadFully(image, mine.AsSpan(0, length), offset);
                if (device.Read(offset, theirs.AsSpan(0, length)) != Abstractions.BlockError.None)
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
            writer.Complete();
            return writer.DataBlocks * Blocks.Size;
        });
        CommitNewLayer(layer);
        return new ImportResult(layer, size, stored);
    }

    private static void ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle file, Span<byte> destination, long offset)
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

    private static bool HasQcow2Magic(string file)
    {
        using var handle = File.OpenHandle(file);
        Span<byte> magic = stackalloc byte[4];
        return RandomAccess.Read(handle, magic, 0) == 4 && magic.SequenceEqual(Qcow2Magic);
    }

    /// <summary>Runs qemu-img convert; a missing qemu-img or a failed conversion is reported with its output.</summary>
    internal static void ConvertWithQemuImg(string input, string inputFormat, string output, string outputFormat)
    {
        var start = new ProcessStartInfo("qemu-img")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string argument in new[] { "convert", "-q", "-f", inputFormat, "-O", outputFormat, input, output })
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, "qemu-img is needed for qcow2 images and was not found; run ./setup.sh (it installs qemu-utils)");
        }
        using (process)
        {
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, $"qemu-img could not convert {input}: {errors.Trim()}");
            }
        }
    }
}
