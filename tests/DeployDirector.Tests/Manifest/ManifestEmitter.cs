using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

/// <summary>Writes a manifest model as block-style YAML, strings double-quoted, for round-trip tests.</summary>
internal static class ManifestEmitter
{
    public static string Emit(DeploymentManifest m, bool withUpdate)
    {
        StringBuilder s = new();
        s.Append("name: ").Append(Quote(m.Name)).Append('\n');
        s.Append("releases:\n");
        foreach (ReleaseRef r in m.Releases)
        {
            s.Append($"  - name: {Quote(r.Name)}\n    version: {Quote(r.Version)}\n");
        }
        s.Append("stemcells:\n");
        foreach (StemcellRef c in m.Stemcells)
        {
            s.Append($"  - {{ alias: {Quote(c.Alias)}, edition: {Quote(c.Edition)} }}\n");
        }
        if (withUpdate)
        {
            s.Append("update:\n");
            Update(s, m.Update, "  ");
        }
        if (m.Variables.Count > 0)
        {
            s.Append("variables:\n");
            foreach (VariableDeclaration v in m.Variables)
            {
                s.Append($"  - name: {Quote(v.Name)}\n    type: {v.Type}\n");
            }
        }
        s.Append("instance_groups:\n");
        foreach (InstanceGroup g in m.InstanceGroups)
        {
            Group(s, g);
        }
        return s.ToString();
    }

    private static void Group(StringBuilder s, InstanceGroup g)
    {
        s.Append($"  - name: {Quote(g.Name)}\n    instances: {g.Instances}\n    spares: {g.Spares}\n    stemcell: {Quote(g.Stemcell)}\n    lifecycle: {g.Lifecycle}\n    leaf_policy: {g.LeafPolicy}\n");
        if (g.Branch is not null)
        {
            s.Append($"    branch: {Quote(g.Branch)}\n");
        }
        if (g.Placement.Labels.Count > 0 || g.Placement.FailureDomain is not null)
        {
            s.Append("    placement:\n");
            if (g.Placement.Labels.Count > 0)
            {
                s.Append("      labels:\n");
                foreach ((string key, string value) in g.Placement.Labels)
                {
                    s.Append($"        {Quote(key)}: {Quote(value)}\n");
                }
            }
            if (g.Placement.FailureDomain is { } domain)
            {
                s.Append($"      failure_domain: {Quote(domain)}\n");
            }
        }
        if (g.Resources != Resources.None)
        {
            s.Append($"    resources: {{ cores: {g.Resources.Cores}, memory: {Size(g.Resources.MemoryBytes)} }}\n");
        }
        if (g.Update is { } update)
        {
            s.Append("    update:\n");
            Update(s, update, "      ");
        }
        if (g.Lifecycle != Contracts.Lifecycle.Errand)
        {
            ServiceBlocks(s, g);
        }
        if (g.Ports.Count > 0)
        {
            s.Append("    ports:\n");
            foreach ((string name, int port) in g.Ports)
            {
                s.Append($"      {name}: {port}\n");
            }
        }
        s.Append("    jobs:\n");
        foreach (JobRef j in g.Jobs)
        {
            s.Append($"      - name: {Quote(j.Name)}\n        release: {Quote(j.Release)}\n");
            if (j.Properties.Count > 0)
            {
                s.Append("        properties:");
                Value(s, j.Properties, 10);
            }
            if (j.Provides.Count > 0)
            {
                s.Append("        provides:\n");
                foreach ((string link, string name) in j.Provides)
                {
                    s.Append(link == name ? $"          {Quote(link)}: ~\n" : $"          {Quote(link)}: {{ as: {Quote(name)} }}\n");
                }
            }
            if (j.Consumes.Count > 0)
            {
                s.Append("        consumes:\n");
                foreach ((string link, LinkSource from) in j.Consumes)
                {
                    s.Append($"          {Quote(link)}:\n            from: {Quote(from.From)}\n            optional: {(from.Optional ? "true" : "false")}\n");
                }
            }
        }
    }

    /// <summary>A service group's failover, balance and autoscale blocks, every key written (milliseconds, percentages with '%').</summary>
    private static void ServiceBlocks(StringBuilder s, InstanceGroup g)
    {
        FailoverPolicy f = g.Failover;
        s.Append($"    failover:\n      heartbeat: {f.HeartbeatMs}\n      suspect_after: {f.SuspectAfter}\n      dead_after: {f.DeadAfter}\n");
        s.Append($"      lease: {f.LeaseMs}\n      fence: {(f.Fence ? "true" : "false")}\n      give_back: {(f.GiveBack ? "true" : "false")}\n");
        s.Append($"      failing_after: {f.FailingAfterMs}\n      orphan_alert: {f.OrphanAlertMs}\n");
        s.Append(f.Meltdown is { } m ? $"      meltdown: {{ share: {m.SharePercent}%, window: {m.WindowMs} }}\n" : "      meltdown: off\n");
        BalancePolicy b = g.Balance;
        s.Append($"    balance:\n      metric: {b.Metric}\n      high_water: {b.HighWaterPercent}%\n      low_water: {b.LowWaterPercent}%\n");
        s.Append($"      min_available: {b.MinAvailable}\n      interval: {b.IntervalMs}\n      max_moves: {b.MaxMoves}\n");
        if (g.Autoscale is { } a)
        {
            s.Append($"    autoscale:\n      min: {a.Min}\n      max: {a.Max}\n      scale_out_above: {a.ScaleOutAbovePercent}%\n");
            s.Append($"      scale_in_below: {a.ScaleInBelowPercent}%\n      cooldown: {a.CooldownMs}\n      release: {(a.DeleteReleased ? "delete" : "keep")}\n");
        }
    }

    private static void Update(StringBuilder s, UpdatePolicy u, string indent)
    {
        s.Append($"{indent}canaries: {u.Canaries}\n{indent}max_in_flight: {u.MaxInFlight}\n");
        s.Append($"{indent}canary_watch_time: {u.CanaryWatchTime}\n{indent}update_watch_time: {u.UpdateWatchTime}\n");
        s.Append($"{indent}serial: {(u.Serial ? "true" : "false")}\n");
        s.Append($"{indent}pause_after_canaries: {(u.PauseAfterCanaries ? "true" : "false")}\n{indent}on_failure: {u.OnFailure}\n");
        if (u.MinAvailable is { } min)
        {
            s.Append($"{indent}min_available: {min}\n");
        }
    }

    /// <summary>Appends a value after a key's colon: a scalar on the same line, a collection below it.</summary>
    private static void Value(StringBuilder s, JsonNode? node, int indent)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case JsonObject { Count: 0 }:
                s.Append(" {}\n");
                break;
            case JsonArray { Count: 0 }:
                s.Append(" []\n");
                break;
            case JsonObject obj:
                s.Append('\n');
                foreach ((string key, JsonNode? value) in obj)
                {
                    s.Append(pad).Append(Quote(key)).Append(':');
                    Value(s, value, indent + 2);
                }
                break;
            case JsonArray array:
                s.Append('\n');
                foreach (JsonNode? item in array)
                {
                    s.Append(pad).Append('-');
                    Value(s, item, indent + 2);
                }
                break;
            default:
                s.Append(' ').Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static string Scalar(JsonNode? node)
    {
        if (node is null)
        {
            return "~";
        }
        JsonValue value = node.AsValue();
        if (value.TryGetValue(out string? text))
        {
            return Quote(text);
        }
        if (value.TryGetValue(out bool flag))
        {
            return flag ? "true" : "false";
        }
        if (value.TryGetValue(out double real))
        {
            string r = real.ToString("R", CultureInfo.InvariantCulture);
            return r.Contains('.', StringComparison.Ordinal) || r.Contains('E', StringComparison.Ordinal) ? r : r + ".0";
        }
        return value.ToJsonString();
    }

    private static string Size(long bytes)
    {
        foreach ((char suffix, int shift) in new[] { ('T', 40), ('G', 30), ('M', 20), ('K', 10) })
        {
            if (bytes > 0 && bytes % (1L << shift) == 0)
            {
                return $"{bytes >> shift}{suffix}";
            }
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    public static string Quote(string text)
    {
        StringBuilder s = new("\"");
        foreach (char c in text)
        {
            s.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' or '\u007f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return s.Append('"').ToString();
    }
}
