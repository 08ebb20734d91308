using System.Text.Json;
using System.Text.Json.Serialization;

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
    int Gen2Collections)
{
    /// <summary>Percentiles of no samples are NaN, which plain JSON cannot carry.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
