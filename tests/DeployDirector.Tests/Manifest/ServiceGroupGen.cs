using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

/// <summary>Random in-range service-group policies, each combination one the loader must accept.</summary>
internal static class ServiceGroupGen
{
    private const int Day = ManifestReader.MaxPolicyMs;

    /// <summary>Milliseconds, often whole seconds or minutes so every unit is written.</summary>
    private static Gen<int> Milliseconds(int min, int max) =>
        Gen.OneOf(
            Gen.Choose(min, max),
            Gen.Choose((min + 999) / 1000, max / 1000).Select(s => s * 1000),
            Gen.Choose((min + 59_999) / 60_000, max / 60_000).Select(m => m * 60_000));

    private static Gen<bool> Bool => Gen.Elements(true, false);

    private static Gen<MeltdownGuard?> Meltdown =>
        Gen.OneOf(
            Gen.Constant<MeltdownGuard?>(null),
            from share in Gen.Choose(1, 100)
            from window in Milliseconds(1, Day)
            select (MeltdownGuard?)new MeltdownGuard(share, window));

    public static Gen<FailoverPolicy> Failover =>
        from heartbeat in Milliseconds(ManifestReader.MinHeartbeatMs, ManifestReader.MaxHeartbeatMs)
        from suspect in Gen.Choose(1, 20)
        from dead in Gen.Choose(suspect + 1, suspect + 20)
        from lease in Milliseconds(heartbeat * dead + 1, Day)
        from fence in Bool
        from giveBack in Bool
        from failing in Milliseconds(0, Day)
        from orphan in Milliseconds(0, Day)
        from meltdown in Meltdown
        select new FailoverPolicy(heartbeat, suspect, dead, lease, fence, giveBack, failing, orphan, meltdown);

    public static Gen<BalancePolicy> Balance(int instances) =>
        from metric in Gen.Elements(BalancePolicy.Cpu, BalancePolicy.Memory, BalancePolicy.Job)
        from high in Gen.Choose(1, 100)
        from low in Gen.Choose(0, high - 1)
        from minAvailable in Gen.Choose(0, instances)
        from interval in Milliseconds(ManifestReader.MinBalanceIntervalMs, Day)
        from maxMoves in Gen.Choose(0, ManifestReader.MaxInstances)
        select new BalancePolicy(metric, high, low, minAvailable, interval, maxMoves);

    public static Gen<AutoscalePolicy?> Autoscale(int instances) =>
        instances == 0
            ? Gen.Constant<AutoscalePolicy?>(null)
            : Gen.OneOf(
                Gen.Constant<AutoscalePolicy?>(null),
                from min in Gen.Choose(1, instances)
                from max in Gen.Choose(instances, ManifestReader.MaxInstances)
                from above in Gen.Choose(1, 100)
                from below in Gen.Choose(0, above - 1)
                from cooldown in Milliseconds(0, Day)
                from delete in Bool
                select (AutoscalePolicy?)new AutoscalePolicy(min, max, above, below, cooldown, delete));

    /// <summary>DNS SRV service names, unique by their index.</summary>
    public static Gen<(string, int)[]> Ports =>
        from names in ManifestGen.Between(
            from first in Gen.Elements("abcdefghijklmnopqrstuvwxyz".ToCharArray())
            from rest in Gen.Elements("", "x", "ttp", "dmin-api", "9", "a-b")
            select $"{first}{rest}", 0, 3)
        from ports in ManifestGen.Between(Gen.Choose(1, ManifestReader.MaxPort), 3, 3)
        select names.Select((n, i) => ($"{n}-{i}", ports[i])).ToArray();

    /// <summary>Keys whose values no cross check involves: leaving one out must give its default.</summary>
    private static readonly string[] Independent =
        ["fence", "give_back", "failing_after", "orphan_alert", "meltdown", "metric", "interval", "max_moves", "scale_out_above", "cooldown", "release"];

    public static Gen<ServiceGroupCase> Case =>
        from instances in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, ManifestReader.MaxInstances)))
        from failover in Failover
        from balance in Balance(instances)
        from autoscale in Autoscale(instances)
        from ports in Ports
        from omit in ManifestGen.Between(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))), Independent.Length, Independent.Length)
        from styles in ManifestGen.Between(Gen.Choose(0, 9), 13, 13)
        let omitted = Independent.Where((_, i) => omit[i]).ToHashSet(StringComparer.Ordinal)
        select Defaulted(new ServiceGroupCase(instances, failover, balance, autoscale, ports, omitted, styles));

    /// <summary>The case with every omitted key's value replaced by what the loader takes for it.</summary>
    private static ServiceGroupCase Defaulted(ServiceGroupCase c)
    {
        FailoverPolicy fd = FailoverPolicy.Default;
        BalancePolicy bd = BalancePolicy.Default;
        bool Out(string key) => c.Omitted.Contains(key);
        FailoverPolicy f = c.Failover with
        {
            Fence = Out("fence") ? fd.Fence : c.Failover.Fence,
            GiveBack = Out("give_back") ? fd.GiveBack : c.Failover.GiveBack,
            FailingAfterMs = Out("failing_after") ? fd.FailingAfterMs : c.Failover.FailingAfterMs,
            OrphanAlertMs = Out("orphan_alert") ? fd.OrphanAlertMs : c.Failover.OrphanAlertMs,
            Meltdown = Out("meltdown") ? fd.Meltdown : c.Failover.Meltdown,
        };
        BalancePolicy b = c.Balance with
        {
            Metric = Out("metric") ? bd.Metric : c.Balance.Metric,
            IntervalMs = Out("interval") ? bd.IntervalMs : c.Balance.IntervalMs,
            MaxMoves = Out("max_moves") ? bd.MaxMoves : c.Balance.MaxMoves,
        };
        AutoscalePolicy? a = c.Autoscale is { } s
            ? s with
            {
                // Left out, scale_out_above is 80: keep scale_in_below under it.
                ScaleOutAbovePercent = Out("scale_out_above") ? 80 : s.ScaleOutAbovePercent,
                ScaleInBelowPercent = Out("scale_out_above") ? Math.Min(s.ScaleInBelowPercent, 79) : s.ScaleInBelowPercent,
                CooldownMs = Out("cooldown") ? 60_000 : s.CooldownMs,
                DeleteReleased = Out("release") || s.DeleteReleased,
            }
            : null;
        return c with { Failover = f, Balance = b, Autoscale = a };
    }
}
