using System.Globalization;
using System.Text;

namespace DirectorBench.NodeTable;

/// <summary>The node-table table: each store's median over the runs, every run's p99 beside it.</summary>
internal static class NodeTableReport
{
    public static string Table(IReadOnlyList<IReadOnlyList<NodeTableResult>> byStore, int nodes, int rate, double seconds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| store ({nodes:N0} nodes, {rate:N0} updates/s for {seconds:0} s; median of {byStore[0].Count} runs) | updates/s achieved | p50 / p99 / max update (µs) | CPU s/s at {rate:N0}/s | back-to-back updates/s | restart: reopen + read all (s) | nodes recovered | most beats lost per node | on disk (MiB) | p99 per run (µs) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (IReadOnlyList<NodeTableResult> runs in byStore)
        {
            double recovery = runs.Median(r => r.RecoverySeconds);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {runs[0].Name} | {runs.Median(r => r.AchievedPerSecond):0} | {runs.Median(r => r.P50Us):0.0} / {runs.Median(r => r.P99Us):0.0} / {runs.Max(r => r.MaxUs):0} | {runs.Median(r => r.CpuPerSecond):0.000} | {runs.Median(r => r.BurstPerSecond):N0} | {(double.IsNaN(recovery) ? "nothing persists" : recovery.ToString("0.000", CultureInfo.InvariantCulture))} | {runs.Median(r => r.Recovered):0} | {(runs[0].MaxBeatsLost < 0 ? "all" : runs.Max(r => r.MaxBeatsLost).ToString(CultureInfo.InvariantCulture))} | {runs.Median(r => r.DiskBytes / 1048576.0):0.0} | {string.Join(", ", runs.Select(r => r.P99Us.ToString("0.0", CultureInfo.InvariantCulture)))} |");
        }
        return text.ToString();
    }
}
