namespace UnionBlock.Union;

/// <summary>Bytes a device served and took since it was opened.</summary>
/// <param name="ReadFromLeaf">The part of <paramref name="Read"/> that came from the node's own leaf;
/// the rest came from shared layers.</param>
public readonly record struct IoCounters(long Read, long ReadFromLeaf, long Written)
{
    public static IoCounters operator +(IoCounters a, IoCounters b) =>
        new(a.Read + b.Read, a.ReadFromLeaf + b.ReadFromLeaf, a.Written + b.Written);
}

public sealed partial class UnionDevice
{
    private long _bytesRead;
    private long _bytesReadFromLeaf;
    private long _bytesWritten;

    public IoCounters Counters => new(Volatile.Read(ref _bytesRead), Volatile.Read(ref _bytesReadFromLeaf), Volatile.Read(ref _bytesWritten));
}
