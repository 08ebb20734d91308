namespace NodeAgent.Transport;

/// <summary>Retry delays while the director is unreachable: doubling from <see cref="First"/>, capped at <see cref="Cap"/>.</summary>
internal sealed class Backoff
{
    public static TimeSpan First { get; } = TimeSpan.FromMilliseconds(100);

    public static TimeSpan Cap { get; } = TimeSpan.FromSeconds(5);

    private int _failures;

    public TimeSpan Next() => DelayFor(++_failures);

    public void Reset() => _failures = 0;

    /// <summary>The delay after the <paramref name="failures"/>-th failure in a row.</summary>
    public static TimeSpan DelayFor(int failures)
    {
        var doublings = Math.Clamp(failures - 1, 0, 20);
        var ticks = First.Ticks * (double)(1L << doublings);
        return ticks >= Cap.Ticks ? Cap : TimeSpan.FromTicks((long)ticks);
    }
}
