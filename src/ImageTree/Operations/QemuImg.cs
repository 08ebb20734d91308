using System.Diagnostics;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>The qemu-img subprocess: the tree stores raw images only, so qcow2 goes through it both ways.</summary>
internal static class QemuImg
{
    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xFB];

    public static bool HasQcow2Magic(string file)
    {
        using var handle = File.OpenHandle(file);
        Span<byte> magic = stackalloc byte[4];
        return RandomAccess.Read(handle, magic, 0) == 4 && magic.SequenceEqual(Qcow2Magic);
    }

    /// <summary>The size of the disk an image holds: a qcow2 header's virtual size (big-endian at byte 24), else the file's length.</summary>
    public static long DiskBytes(string file)
    {
        using var handle = File.OpenHandle(file);
        Span<byte> header = stackalloc byte[32];
        return RandomAccess.Read(handle, header, 0) == 32 && header[..4].SequenceEqual(Qcow2Magic)
            ? (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[24..])
            : RandomAccess.GetLength(handle);
    }

    /// <summary>Runs qemu-img convert; a missing qemu-img or a failed conversion is reported with its output.</summary>
    public static void Convert(string input, string inputFormat, string output, string outputFormat)
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
