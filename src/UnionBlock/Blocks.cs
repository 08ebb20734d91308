namespace UnionBlock;

/// <summary>The unit of mapping: every layer maps whole 4 KiB blocks.</summary>
public static class Blocks
{
    public const int Size = 4096;
    public const int Shift = 12;
    public const long Mask = Size - 1;

    public static long Count(long bytes) => (bytes + Mask) >> Shift;

    public static bool IsAligned(long value) => (value & Mask) == 0;
}
