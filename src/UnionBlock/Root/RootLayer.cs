using Microsoft.Win32.SafeHandles;

namespace UnionBlock.Root;

/// <summary>
/// The base image: a sparse raw file read in place with positional reads, plus its allocation map.
/// No cache of our own: the OS page cache already shares these pages between every node booting.
/// </summary>
internal sealed class RootLayer : IDisposable
{
    public const string ImageFileName = "root.img";
    private readonly SafeFileHandle _image;
    private readonly AllocationBitmap _allocated;

    private RootLayer(string directory, long size, SafeFileHandle image, AllocationBitmap allocated)
    {
        Directory = directory;
        Size = size;
        _image = image;
        _allocated = allocated;
    }

    public string Directory { get; }

    public long Size { get; }

    public long AllocatedBlocks => _allocated.CountSet();

    public static RootLayer Open(string directory, long size)
    {
        string path = Path.Combine(directory, ImageFileName);
        SafeFileHandle image = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            if (RandomAccess.GetLength(image) != size)
            {
                throw new LayerMismatchException(path, $"image is {RandomAccess.GetLength(image)} bytes, the catalog says {size}");
            }
            return new RootLayer(directory, size, image, AllocationBitmap.Load(directory, Blocks.Count(size)));
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    public bool IsAllocated(long block) => _allocated.IsSet(block);

    /// <summary>Reads from the image; bytes past its end (the tail of a last partial block) read as zeros.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = offset < Size ? RandomAccess.Read(_image, destination, offset) : 0;
            if (read <= 0)
            {
                destination.Clear();
                return;
            }
            destination = destination[read..];
            offset += read;
        }
    }

    public void Dispose() => _image.Dispose();
}
