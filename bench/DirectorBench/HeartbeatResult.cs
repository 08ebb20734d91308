namespace DirectorBench;

/// <summary>One heartbeat run: what the load generator saw and what the host measured of itself.
/// Latencies in milliseconds; "from schedule" counts from the moment the beat was due (so a late
/// send counts against the director), "from send" from the moment HttpClient was called.</summary>
internal sealed record HeartbeatResult(
    int Agents,
    double MeasuredSeconds,
    double RegisterSeconds,
    int Scheduled,
    int Answered,
    int Skipped,
    int Errors,
    string? FirstError,
    double AchievedPerSecond,
    double ClientP50Ms,
    double ClientP99Ms,
    double ClientSendP50Ms,
    double ClientSendP99Ms,
    double LoadCpuPer10k,
    double IdleCpuPerSecond,
    double LoadAverage,
    ServerStats Server)
{
    public double ServerCpuPer10k => Server.Heartbeats == 0 ? double.NaN : Server.CpuSeconds / Server.Heartbeats * 10_000;
}
