namespace UnionBlock.Root;

/// <summary>
/// Writes a root layer's files from whatever produces its image: the caller writes the sparse image
/// at <see cref="ImagePath"/> and marks the blocks it wrote; <see cref="Complete"/> saves the
/// allocation bitmap, so a root reads unmarked blocks as holes without touching the image.
/// </summary>
public sealed class RootImageWriter
{
    private readonly string _directory;
    private readonly AllocationBitmap _allocated;

    internal RootImageWriter(string directory, long size)
    {
        System.IO.Directory.CreateDirectory(directory);
        _directory = directory;
        _allocated = new AllocationBitmap(Blocks.Count(size));
    }

    public string ImagePath => Path.Combine(_directory, RootLayer.ImageFileName);

    public void MarkAllocated(long block) => _allocated.Set(block);

    /// <summary>Saves the allocation bitmap durably; the image must be durable already.</summary>
    public void Complete() => _allocated.Save(_directory);
}
