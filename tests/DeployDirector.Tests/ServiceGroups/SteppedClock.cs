namespace DeployDirector.Tests.ServiceGroups;

/// <summary>
/// The system clock plus an offset that tests step forward: heartbeats, leases and cooldowns age at
/// once (no test waits out a timeout), while timers still run in real time so the director's tasks and
/// the fake agents' loops keep going.
/// </summary>
public sealed class SteppedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public override long GetTimestamp() => base.GetTimestamp() + (long)(Offset.Ticks * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
