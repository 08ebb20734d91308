namespace UnionBlock.Abstractions;

/// <summary>
/// A run of bytes that share one allocation state.
/// </summary>
/// <param name="Offset">First byte of the run.</param>
/// <param name="Length">Length in bytes, never zero.</param>
/// <param name="IsHole">No storage backs the run (reads return zeros).</param>
/// <param name="IsZero">The run reads as zeros.</param>
/// <param name="Depth">Which layer holds the run: 1 is the top layer, 2 the one below, and so on;
/// 0 when no layer holds it (a hole in every layer). This is qemu's allocation-depth.</param>
public readonly record struct Extent(long Offset, long Length, bool IsHole, bool IsZero, int Depth)
{
    public long End => Offset + Length;

    /// <summary>True when two extents are adjacent and report the same state, so they can merge.</summary>
    public bool Continues(in Extent previous) =>
        previous.End == Offset && previous.IsHole == IsHole && previous.IsZero == IsZero && previous.Depth == Depth;
}
