using System.Buffers;
using UnionBlock.Native;

namespace UnionBlock.Root;

/// <summary>
/// Copies a raw image into a root layer, keeping holes as holes: all-zero blocks are neither
/// written nor marked allocated, and the source's own holes are skipped without being read.
/// </summary>
internal static class RootImporter
{
    private const int ChunkSize = 1 << 20;

    /// <summary>Imports <paramref name="sourcePath"/> into <paramref name="directory"/>; returns (size, allocated blocks).</summary>
    public static (long Size, long AllocatedBlocks) ImportRaw(string sourcePath, string directory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        using var source = File.OpenHandle(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long size = RandomAccess.GetLength(source);
        if (size == 0 || size % 512 != 0)
        {
            throw new InvalidDataException($"{sourcePath}: an image must be a non-empty multiple of 512 bytes (it is {size} bytes)");
        }
        string imagePath = Path.Combine(directory, RootLayer.ImageFileName);
        var bitmap = new AllocationBitmap(Blocks.Count(size));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using (var image = File.OpenHandle(imagePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                RandomAccess.SetLength(image, size);
                long position = 0;
                while (position < size)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    long dataStart = LibC.NextData(source, position);
                    if (dataStart < 0 || dataStart >= size)
                    {
                        break; // the rest is a hole
                    }
                    dataStart &= ~Blocks.Mask;
                    long dataEnd = LibC.NextHole(source, dataStart);
                    dataEnd = dataEnd < 0 ? size : Math.Min(size, (dataEnd + Blocks.Mask) & ~Blocks.Mask);
                    CopyDataRange(source, image, bitmap, buffer, dataStart, dataEnd, size, progress, cancellationToken);
                    position = dataEnd;
                }
                progress?.Report(size);
                LibC.DataSync(image);
            }
            bitmap.Save(directory);
            return (size, bitmap.CountSet());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CopyDataRange(
        Microsoft.Win32.SafeHandles.SafeFileHandle source,
        Microsoft.Win32.SafeHandles.SafeFileHandle image,
        AllocationBitmap bitmap,
        byte[] buffer,
        long start,
        long end,
        long size,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        for (long chunk = start; chunk < end; chunk += ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length = (int)Math.Min(ChunkSize, Math.Min(end, size) - chunk);
            Span<byte> data = buffer.AsSpan(0, length);
            int read = RandomAccess.Read(source, data, chunk);
            data[read..].Clear();
            for (int offset = 0; offset < length; offset += Blocks.Size)
            {
                Span<byte> block = data.Slice(offset, Math.Min(Blocks.Size, length - offset));
                if (block.ContainsAnyExcept((byte)0))
                {
                    RandomAccess.Write(image, block, chunk + offset);
                    bitmap.Set((chunk + offset) >> Blocks.Shift);
                }
            }
            progress?.Report(chunk + length);
        }
    }
}
