using System.Text;
using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>
/// A manifest model as text, every field spelled out, so two models compare by value (the records hold
/// lists, dictionaries and JSON nodes, which compare by reference).
/// </summary>
internal static class ManifestText
{
    public static string Of(DeploymentManifest m, bool positions = true)
    {
        StringBuilder s = new();
        string At(SourcePosition p) => positions ? $" @{p}" : "";
        s.AppendLine($"name {m.Name}");
        foreach (ReleaseRef r in m.Releases)
        {
            s.AppendLine($"release {r.Name} {r.Version}{At(r.Position)}");
        }
        foreach (StemcellRef c in m.Stemcells)
        {
            s.AppendLine($"stemcell {c.Alias} {c.Edition}{At(c.Position)}");
        }
        s.AppendLine($"update {Of(m.Update)}");
        foreach (VariableDeclaration v in m.Variables)
        {
            s.AppendLine($"variable {v.Name} {v.Type}{At(v.Position)}");
        }
        foreach (InstanceGroup g in m.InstanceGroups)
        {
            s.AppendLine($"group {g.Name}{At(g.Position)} instances {g.Instances}{At(g.InstancesPosition)} spares {g.Spares} stemcell {g.Stemcell} branch {g.Branch ?? "-"} lifecycle {g.Lifecycle}");
            string labels = string.Join(",", g.Placement.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
            s.AppendLine($"  placement [{labels}] domain {g.Placement.FailureDomain ?? "-"}{At(g.PlacementPosition)}");
            s.AppendLine($"  resources cores {g.Resources.Cores} memory {g.Resources.MemoryBytes}");
            s.AppendLine($"  update {(g.Update is null ? "-" : Of(g.Update))}");
            s.AppendLine($"  {Of(g.Failover)}");
            s.AppendLine($"  balance {g.Balance.Metric} high {g.Balance.HighWaterPercent}% low {g.Balance.LowWaterPercent}% min_available {g.Balance.MinAvailable} interval {g.Balance.IntervalMs} max_moves {g.Balance.MaxMoves}");
            s.AppendLine($"  autoscale {(g.Autoscale is { } a ? $"{a.Min}-{a.Max} out {a.ScaleOutAbovePercent}% in {a.ScaleInBelowPercent}% cooldown {a.CooldownMs} delete {a.DeleteReleased}" : "-")}");
            s.AppendLine($"  ports [{string.Join(",", g.Ports.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))}]");
            foreach (JobRef j in g.Jobs)
            {
                s.AppendLine($"  job {j.Name} release {j.Release}{At(j.Position)} properties {j.Properties.ToJsonString()}");
                foreach ((string link, string name) in j.Provides.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    s.AppendLine($"    provides {link} as {name}");
                }
                foreach ((string link, LinkSource from) in j.Consumes.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    s.AppendLine($"    consumes {link} from {from.From} optional {from.Optional}{At(from.Position)}");
                }
            }
        }
        return s.ToString();
    }

    private static string Of(FailoverPolicy f) =>
        $"failover heartbeat {f.HeartbeatMs} suspect {f.SuspectAfter} dead {f.DeadAfter} lease {f.LeaseMs} fence {f.Fence} give_back {f.GiveBack} "
        + $"failing {f.FailingAfterMs} orphan {f.OrphanAlertMs} meltdown {(f.Meltdown is { } m ? $"{m.SharePercent}%/{m.WindowMs}" : "off")}";

    private static string Of(UpdatePolicy u) =>
        $"canaries {u.Canaries} max_in_flight {u.MaxInFlight} canary {u.CanaryWatchTime} update {u.UpdateWatchTime} serial {u.Serial} min_available {u.MinAvailable?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";
}
