using System.Globalization;
using System.Text;

namespace DirectorBench.Rollout;

/// <summary>The rollout bench's table: every run and the medians.</summary>
internal static class RolloutReport
{
    public static string Table(IReadOnlyList<RolloutResult> runs)
    {
        RolloutResult first = runs[0];
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| rollout of {first.Nodes} simulated nodes in {first.Groups} groups (canaries 1, max_in_flight {RolloutBench.MaxInFlight}, watch {RolloutBench.WatchLowSeconds * 1000:0}-30000 ms, serial) | {string.Join(" | ", runs.Select((_, i) => $"run {i + 1}"))} | median |");
        text.AppendLine($"|---|{string.Concat(runs.Select(_ => "---|"))}---|");
        Row(text, runs, "update batches", r => r.Batches, "0");
        Row(text, runs, "nodes moved onto the new edition", r => r.Moved, "0");
        Row(text, runs, "rollout, call to done (s)", r => r.RolloutSeconds, "0.0");
        Row(text, runs, $"floor: batches × (watch lower bound {RolloutBench.WatchLowSeconds:0.0} s + simulated reboot {RolloutBench.RebootSeconds:0.00} s) (s)", r => r.FloorSeconds, "0.0");
        Row(text, runs, "rollout ÷ floor", r => r.RolloutSeconds / r.FloorSeconds, "0.00");
        Row(text, runs, "director overhead per node: (rollout − floor) ÷ nodes (ms)", r => (r.RolloutSeconds - r.FloorSeconds) * 1000 / r.Nodes, "0");
        Row(text, runs, "CPU of the process (director and simulated agents) during the rollout (s)", r => r.DirectorCpuSeconds, "0.00");
        Row(text, runs, "CPU per node moved (ms)", r => r.DirectorCpuSeconds * 1000 / r.Moved, "0.0");
        Row(text, runs, "broken edition: canary of the 3rd group fails, rollback of the first two groups and the canary, call to done (s)", r => r.RollbackSeconds, "0.0");
        Row(text, runs, "nodes rolled back", r => r.RolledBack, "0");
        return text.ToString();
    }

    private static void Row(StringBuilder text, IReadOnlyList<RolloutResult> runs, string name, Func<RolloutResult, double> figure, string format) =>
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {string.Join(" | ", runs.Select(r => figure(r).ToString(format, CultureInfo.InvariantCulture)))} | {runs.Median(figure).ToString(format, CultureInfo.InvariantCulture)} |");
}
