namespace DirectorBench;

/// <summary>What the bench host measured since its last reset: heartbeats handled, the time spent
/// inside the pipeline for each, its own CPU time, and its memory now.</summary>
internal sealed record ServerStats(
    int Heartbeats,
    double ElapsedSeconds,
    double HandlingP50Ms,
    double HandlingP99Ms,
    double HandlingMaxMs,
    double CpuSeconds,
    long WorkingSetBytes,
    long GcHeapBytes,
    int Gen2Collections);
