using System.Globalization;

namespace DirectorBench;

/// <summary>The command line: <c>[--agents 1000,10000] [--seconds 20] [--warmup 5] [--runs 3]
/// [--instances 100] [--release DIR] [--failover-agents 0] [--group-size 100] [--kills 10] [--meltdown default,off,5%]
/// [--mass-window 20] [--node-table 0] [--rollout-nodes 0] [--rollout-groups 4]</c>; <c>--agents 0</c>, <c>--instances 0</c>,
/// <c>--failover-agents 0</c>, <c>--node-table 0</c> (seconds per store) or <c>--rollout-nodes 0</c> leaves a part out.</summary>
internal sealed record BenchOptions(int[] Agents, double Seconds, double Warmup, int Runs, int Instances, string Release,
    int FailoverAgents, int GroupSize, int Kills, string[] Meltdown, double MassWindow, double NodeTable, int RolloutNodes, int RolloutGroups)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            }
            values[args[i][2..]] = args[i + 1];
        }
        string Get(string name, string fallback) => values.Remove(name, out string? value) ? value : fallback;
        var options = new BenchOptions(
            [.. Get("agents", "1000,10000").Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).Where(a => a > 0)],
            double.Parse(Get("seconds", "20"), CultureInfo.InvariantCulture),
            double.Parse(Get("warmup", "5"), CultureInfo.InvariantCulture),
            int.Parse(Get("runs", "3"), CultureInfo.InvariantCulture),
            int.Parse(Get("instances", "100"), CultureInfo.InvariantCulture),
            Get("release", "examples/releases/demo"),
            int.Parse(Get("failover-agents", "0"), CultureInfo.InvariantCulture),
            int.Parse(Get("group-size", "100"), CultureInfo.InvariantCulture),
            int.Parse(Get("kills", "10"), CultureInfo.InvariantCulture),
            Get("meltdown", "default,off,5%").Split(','),
            double.Parse(Get("mass-window", "20"), CultureInfo.InvariantCulture),
            double.Parse(Get("node-table", "0"), CultureInfo.InvariantCulture),
            int.Parse(Get("rollout-nodes", "0"), CultureInfo.InvariantCulture),
            int.Parse(Get("rollout-groups", "4"), CultureInfo.InvariantCulture));
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", values.Keys.Select(k => "--" + k))}");
        }
        if (options.FailoverAgents < 0 || options.Kills < 1 || options.MassWindow <= 0 || options.NodeTable < 0
            || options.Meltdown.Any(m => m is not ("default" or "off") && !m.EndsWith('%')))
        {
            throw new ArgumentException("--failover-agents 0 or more, --kills at least 1, --mass-window positive, --meltdown a list of default, off or a share like 5%");
        }
        if (options.RolloutNodes < 0 || options.RolloutGroups < 3 || (options.RolloutNodes > 0 && options.RolloutNodes % options.RolloutGroups != 0))
        {
            throw new ArgumentException("--rollout-nodes 0 or a multiple of --rollout-groups, which is at least 3 (the third group's canary fails in the rollback run)");
        }
        if (options.Runs < 1 || options.Seconds <= 0 || options.Warmup < 0 || options.Instances is 1 or < 0)
        {
            throw new ArgumentException("--runs must be at least 1, --seconds positive, --instances 0 or at least 2 (one backend, the rest web)");
        }
        return options;
    }
}
