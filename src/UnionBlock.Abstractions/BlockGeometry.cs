namespace UnionBlock.Abstractions;

/// <summary>The I/O sizes a device prefers and accepts.</summary>
/// <param name="MinimumIo">Smallest accepted alignment and size granule (a power of two).</param>
/// <param name="PreferredIo">Size that avoids read-modify-write (a power of two).</param>
/// <param name="MaximumIo">Largest single read or write.</param>
public readonly record struct BlockGeometry(int MinimumIo, int PreferredIo, int MaximumIo)
{
    /// <summary>512-byte sectors, 4 KiB blocks, 16 MiB requests.</summary>
    public static BlockGeometry Default { get; } = new(512, 4096, 16 * 1024 * 1024);
}
