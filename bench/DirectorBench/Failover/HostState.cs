using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DirectorBench.Failover;

/// <summary>The failover host's instances and hot spares, as the bench reads them between phases.</summary>
internal sealed record HostState(IReadOnlyList<HostInstance> Instances, IReadOnlyList<HostSpare> Spares, double IntervalSeconds)
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}

/// <param name="Group">The group key, deployment/group.</param>
internal sealed record HostInstance(string Id, string Group, int Index, string? Node, long Epoch, bool Running);

internal sealed record HostSpare(string Mac, string Group);

/// <summary>One supervisor event, stamped in the host with <see cref="System.Diagnostics.Stopwatch"/> (the
/// monotonic clock both processes read, so the bench compares it with its own stamps).</summary>
internal sealed record HostEvent(long At, string Group, string Kind, string Message);

/// <summary>The host process's own CPU time and memory now.</summary>
internal sealed record HostUsage(double CpuSeconds, long WorkingSetBytes);
