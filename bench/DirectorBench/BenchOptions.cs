using System.Globalization;

namespace DirectorBench;

/// <summary>The command line: <c>[--agents 1000,10000] [--seconds 20] [--warmup 5] [--runs 3]
/// [--instances 100] [--release DIR]</c>; <c>--agents 0</c> or <c>--instances 0</c> leaves a part out.</summary>
internal sealed record BenchOptions(int[] Agents, double Seconds, double Warmup, int Runs, int Instances, string Release)
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
            Get("release", "examples/releases/demo"));
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", values.Keys.Select(k => "--" + k))}");
        }
        if (options.Runs < 1 || options.Seconds <= 0 || options.Warmup < 0 || options.Instances is 1 or < 0)
        {
            throw new ArgumentException("--runs must be at least 1, --seconds positive, --instances 0 or at least 2 (one backend, the rest web)");
        }
        return options;
    }
}
