using System.Diagnostics;

namespace DirectorBench;

/// <summary>
/// Durations (Stopwatch ticks) recorded from many threads into a preallocated array: a sample costs
/// one interlocked increment and no allocation, so recording does not disturb what it measures.
/// Samples past the capacity are counted, not kept.
/// </summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;

    /// <summary>Samples recorded since the last reset, including those past the capacity.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Record(long ticks)
    {
        int slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _ticks.Length)
        {
            _ticks[slot] = ticks;
        }
    }

    public void Reset() => Volatile.Write(ref _count, 0);

    /// <summary>The nearest-rank percentiles of the kept samples, in milliseconds (NaN when there are none).</summary>
    public double[] PercentilesMs(params double[] percentiles)
    {
        long[] sorted = _ticks[..Math.Min(Count, _ticks.Length)];
        Array.Sort(sorted);
        return [.. percentiles.Select(p => sorted.Length == 0 ? double.NaN
            : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency)];
    }
}
