using System.Globalization;
using System.Text;
using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>One service group's policies as the loader should read them back, and how to write them:
/// which keys are left out (their expected values are the defaults) and each value's spelling.</summary>
internal sealed record ServiceGroupCase(
    int Instances,
    FailoverPolicy Failover,
    BalancePolicy Balance,
    AutoscalePolicy? Autoscale,
    IReadOnlyList<(string Name, int Port)> Ports,
    IReadOnlySet<string> Omitted,
    IReadOnlyList<int> Styles)
{
    public string Yaml()
    {
        StringBuilder s = new();
        s.Append("name: demo\nreleases: [{ name: demo, version: 1 }]\nstemcells: [{ alias: default, edition: stemcell }]\n");
        s.Append(CultureInfo.InvariantCulture, $"instance_groups:\n  - name: web\n    instances: {Instances}\n    stemcell: default\n");
        FailoverPolicy f = Failover;
        s.Append("    failover:\n");
        Field(s, "heartbeat", Duration(f.HeartbeatMs, 0));
        Field(s, "suspect_after", Number(f.SuspectAfter));
        Field(s, "dead_after", Number(f.DeadAfter));
        Field(s, "lease", Duration(f.LeaseMs, 1));
        Field(s, "fence", f.Fence ? "true" : "false");
        Field(s, "give_back", f.GiveBack ? "true" : "false");
        Field(s, "failing_after", Duration(f.FailingAfterMs, 2));
        Field(s, "orphan_alert", Duration(f.OrphanAlertMs, 3));
        Field(s, "meltdown", f.Meltdown is { } g ? $"{{ share: {Percent(g.SharePercent, 4)}, window: {Duration(g.WindowMs, 5)} }}" : Styles[6] % 2 == 0 ? "off" : "{ share: off }");
        BalancePolicy b = Balance;
        s.Append("    balance:\n");
        Field(s, "metric", b.Metric);
        Field(s, "high_water", Percent(b.HighWaterPercent, 7));
        Field(s, "low_water", Percent(b.LowWaterPercent, 8));
        Field(s, "min_available", Number(b.MinAvailable));
        Field(s, "interval", Duration(b.IntervalMs, 9));
        Field(s, "max_moves", Number(b.MaxMoves));
        if (Autoscale is { } a)
        {
            s.Append("    autoscale:\n");
            Field(s, "min", Number(a.Min));
            Field(s, "max", Number(a.Max));
            Field(s, "scale_out_above", Percent(a.ScaleOutAbovePercent, 10));
            Field(s, "scale_in_below", Percent(a.ScaleInBelowPercent, 11));
            Field(s, "cooldown", Duration(a.CooldownMs, 12));
            Field(s, "release", a.DeleteReleased ? "delete" : "keep");
        }
        if (Ports.Count > 0)
        {
            s.Append("    ports:\n");
            foreach ((string name, int port) in Ports)
            {
                s.Append(CultureInfo.InvariantCulture, $"      {name}: {port}\n");
            }
        }
        s.Append("    jobs:\n      - { name: httpd, release: demo }\n");
        return s.ToString();
    }

    private void Field(StringBuilder s, string key, string value)
    {
        if (!Omitted.Contains(key))
        {
            s.Append(CultureInfo.InvariantCulture, $"      {key}: {value}\n");
        }
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The same milliseconds in one of the spellings the manifest takes.</summary>
    private string Duration(int ms, int field) => (Styles[field] % 5) switch
    {
        1 => $"{ms}ms",
        2 when ms % 1000 == 0 => $"{ms / 1000}s",
        3 when ms % 60_000 == 0 => $"{ms / 60_000}m",
        4 => $"'{ms}ms'",
        _ => Number(ms),
    };

    private string Percent(int percent, int field) => Styles[field] % 2 == 0 ? $"{percent}%" : Number(percent);
}
