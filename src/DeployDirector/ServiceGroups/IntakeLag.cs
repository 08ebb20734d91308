namespace DeployDirector.ServiceGroups;

/// <summary>
/// How late the director itself is in hearing its nodes (local health awareness, as SWIM's Lifeguard
/// extension has each member doubt itself before it doubts its peers). When the director stalls — a long
/// garbage collection, a CPU it shares, a burst of fences and moves after a rack dies — every node's
/// heartbeat is taken in late at once, and counting silence from the director's clock alone would
/// declare live nodes dead, fence them and make more work: a cascade. Nodes' real failures are
/// independent of the director's intake, so the lag shows as the whole fleet being late together: the
/// quarter of nodes heard from most recently is late by as much as the intake. Silence is judged net
/// of that lag, up to <see cref="Cap"/>, so a fleet that truly went silent all at once is still judged
/// dead, <see cref="Cap"/> later.
/// </summary>
public static class IntakeLag
{
    /// <summary>The largest lag the director blames on itself.</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(10);

    /// <summary>Fewest nodes the estimate is made from: in a handful, one late beat is not a fleet-wide pattern.</summary>
    public const int MinNodes = 20;

    /// <summary>Which quantile of the fleet's lateness is the director's own: up to three quarters of the
    /// nodes may truly die at once without the dead moving the estimate.</summary>
    public const double Quantile = 0.25;

    /// <summary>The director's intake lag from each live-judged node's silence and heartbeat interval.
    /// A node beating every <c>I</c> at a random phase has been silent for a uniform share of <c>I</c>
    /// when the intake is on time, so its lateness is measured beyond <see cref="Quantile"/>·<c>I</c>.</summary>
    public static TimeSpan Estimate(IReadOnlyCollection<(TimeSpan Since, TimeSpan Interval)> nodes)
    {
        if (nodes.Count < MinNodes)
        {
            return TimeSpan.Zero;
        }
        long[] late = [.. nodes.Select(n => n.Since.Ticks - (long)(Quantile * n.Interval.Ticks)).Order()];
        long lag = late[(int)(Quantile * (late.Length - 1))];
        return TimeSpan.FromTicks(Math.Clamp(lag, 0, Cap.Ticks));
    }
}
