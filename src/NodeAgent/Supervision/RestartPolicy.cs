namespace NodeAgent.Supervision;

/// <summary>
/// When to restart an exited job: after a delay that starts at <see cref="Base"/> and doubles per
/// quick failure up to <see cref="Cap"/>; a run that lasted <see cref="Stable"/> resets the count.
/// <see cref="FailingAfter"/> quick failures in a row make the job "failing".
/// </summary>
internal sealed class RestartPolicy(TimeSpan @base)
{
    public const int FailingAfter = 5;

    public TimeSpan Base { get; } = @base;

    public static TimeSpan Cap { get; } = TimeSpan.FromSeconds(30);

    public static TimeSpan Stable { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Quick failures in a row.</summary>
    public int QuickFailures { get; private set; }

    public bool IsFailing => QuickFailures >= FailingAfter;

    /// <summary>Records an exit after <paramref name="ran"/> and returns how long to wait before the restart.</summary>
    public TimeSpan RecordExit(TimeSpan ran)
    {
        QuickFailures = ran >= Stable ? 1 : QuickFailures + 1;
        return DelayFor(QuickFailures, Base);
    }

    /// <summary>The delay after the <paramref name="failures"/>-th quick failure in a row.</summary>
    public static TimeSpan DelayFor(int failures, TimeSpan @base)
    {
        var doublings = Math.Clamp(failures - 1, 0, 30);
        var ticks = @base.Ticks * Math.Pow(2, doublings);
        return ticks >= Cap.Ticks ? Cap : TimeSpan.FromTicks((long)ticks);
    }
}
