using System.Diagnostics;
using UnionBlock.Root;

namespace UnionBlock.Store;

/// <summary>Result of an import: the new layer and how much of the image was stored.</summary>
public sealed record ImportResult(LayerRecord Layer, long ImageBytes, long StoredBytes);

public sealed partial class LayerStore
{
    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    /// <summary>
    /// Imports an image file as a new root. Raw images are copied sparsely (holes stay holes); qcow2
    /// images are converted to raw by qemu-img first. <paramref name="progress"/> gets bytes done of
    /// the raw image.
    /// </summary>
    public ImportResult ImportImage(string name, string file, ImageFormat format, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        lock (_operations)
        {
            CheckNewName(name);
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
                (long size, long allocated) = RootImporter.ImportRaw(raw, directory, progress, cancellationToken);
                DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));
                var layer = new LayerRecord(id, name, LayerKind.Root, null, size, 0, DateTimeOffset.UtcNow);
                _catalog.Commit([layer], []);
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
