using System.Globalization;
using System.Text;

namespace DirectorBench;

/// <summary>
/// The Markdown tables: medians over the runs (each figure's own median), every run's figures beside
/// them, the targets from the issue, and BOSH's documented figures as context. BOSH's figures are
/// inputs from its source and docs, not measurements.
/// </summary>
internal static class Report
{
    public const string BoshHeartbeatSource = "cloudfoundry/bosh-agent app/app.go passes `time.Second*30` as the heartbeatInterval of agent.New (agent/agent.go)";
    public const string BoshUpdateSource = "the Update Block example in cloudfoundry/docs-bosh content/manifest-v2.md: canaries 1, max_in_flight 10, canary/update_watch_time 1000-30000";

    public static string Heartbeats(IReadOnlyList<IReadOnlyList<HeartbeatResult>> byAgents)
    {
        var text = new StringBuilder();
        text.Append("| figure (median of runs) |");
        foreach (IReadOnlyList<HeartbeatResult> runs in byAgents)
        {
            text.Append(CultureInfo.InvariantCulture, $" {runs[0].Agents:N0} agents at 1 Hz ({runs.Count} runs) |");
        }
        text.AppendLine(" target | BOSH-like figures (inputs, not measured) |");
        text.Append("|---|");
        text.Append(string.Concat(byAgents.Select(_ => "---|")));
        text.AppendLine("---|---|");
        string boshRate = string.Join(", ", byAgents.Select(r => $"{r[0].Agents / 30.0:0} /s for {r[0].Agents:N0} agents"));
        Row(text, byAgents, "heartbeats answered per second", r => $"{r.Median(x => x.AchievedPerSecond):0} of {r[0].Agents:0} offered", "all offered", $"30 s interval[^hb]: {boshRate}");
        Row(text, byAgents, "server handling p50 / p99 (ms)", r => $"{r.Median(x => x.Server.HandlingP50Ms):0.000} / {r.Median(x => x.Server.HandlingP99Ms):0.000}", "p99 ≤ 10 at 10,000 agents", "");
        Row(text, byAgents, "server handling max (ms, worst run)", r => $"{r.Max(x => x.Server.HandlingMaxMs):0.0}", "", "");
        Row(text, byAgents, "client latency from due time p50 / p99 (ms)", r => $"{r.Median(x => x.ClientP50Ms):0.00} / {r.Median(x => x.ClientP99Ms):0.00}", "", "");
        Row(text, byAgents, "client latency from send p50 / p99 (ms)", r => $"{r.Median(x => x.ClientSendP50Ms):0.00} / {r.Median(x => x.ClientSendP99Ms):0.00}", "p99 ≤ 10 at 10,000 agents", "");
        Row(text, byAgents, "director CPU s per 10,000 heartbeats", r => $"{r.Median(x => x.ServerCpuPer10k):0.00}", "", "");
        Row(text, byAgents, "director CPU s per s after the beats stop (idle, warm)", r => $"{r.Median(x => x.IdleCpuPerSecond):0.000}", "", "");
        Row(text, byAgents, "load generator CPU s per 10,000 heartbeats", r => $"{r.Median(x => x.LoadCpuPer10k):0.00}", "", "");
        Row(text, byAgents, "director working set at end (MiB)", r => $"{r.Median(x => x.Server.WorkingSetBytes / 1048576.0):0}", "", "");
        Row(text, byAgents, "director GC heap at end (MiB)", r => $"{r.Median(x => x.Server.GcHeapBytes / 1048576.0):0.0}", "", "");
        Row(text, byAgents, "gen-2 GCs in the director (median, whole run)", r => $"{r.Median(x => x.Server.Gen2Collections):0}", "", "");
        Row(text, byAgents, "registration of every agent (s, 64 at once)", r => $"{r.Median(x => x.RegisterSeconds):0.00}", "", "");
        Row(text, byAgents, "beats skipped (previous one unanswered), all runs", r => $"{r.Sum(x => x.Skipped)} of {r.Sum(x => x.Scheduled)}", "0", "");
        Row(text, byAgents, "errors, all runs", r => $"{r.Sum(x => x.Errors)}", "0", "");
        Row(text, byAgents, "machine load average (1 min) at each run's end", r => string.Join(", ", r.Select(x => x.LoadAverage.ToString("0.0", CultureInfo.InvariantCulture))), "", "");
        text.AppendLine();
        text.AppendLine($"[^hb]: {BoshHeartbeatSource}; BOSH agents heartbeat over NATS to the health monitor, not HTTP to the director.");
        text.AppendLine();
        text.AppendLine("Per run (agents: answered/s, server p50/p99 ms, client-from-due p50/p99 ms, director CPU s per 10k):");
        text.AppendLine();
        foreach (HeartbeatResult run in byAgents.SelectMany(r => r))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {run.Agents:N0}: {run.AchievedPerSecond:0}/s, {run.Server.HandlingP50Ms:0.000}/{run.Server.HandlingP99Ms:0.000}, {run.ClientP50Ms:0.00}/{run.ClientP99Ms:0.00}, {run.ServerCpuPer10k:0.00}");
        }
        return text.ToString();
    }

    public static string Deploys(IReadOnlyList<DeployResult> runs)
    {
        var text = new StringBuilder();
        int batches = 1 + 1 + (int)Math.Ceiling((runs[0].Instances - 2) / 10.0);
        text.AppendLine(CultureInfo.InvariantCulture, $"| figure ({runs[0].Instances} instances onto {runs[0].Instances} idle nodes) | median of {runs.Count} | runs | target | BOSH-like figures (inputs, not measured) |");
        text.AppendLine("|---|---|---|---|---|");
        DeployRow(text, runs, "deploy task, start to done (s)", r => r.DeployTaskSeconds, "< 5", $"watch time 1000-30000[^up]: at least {batches} s of watch alone");
        DeployRow(text, runs, "deploy, call to done (s)", r => r.DeployWallSeconds, "", "");
        DeployRow(text, runs, "task start to its plan (s)", r => r.UntilPlanSeconds, "", "");
        DeployRow(text, runs, "planning the same manifest alone: validate, place, render every archive (s)", r => r.PlanSeconds, "", "");
        DeployRow(text, runs, "task start to the first batch (s)", r => r.UntilFirstBatchSeconds, "", "");
        DeployRow(text, runs, "update batches", r => r.Batches, "", $"{batches} with the same update block");
        DeployRow(text, runs, "one batch, prepare to healthy (s, median)", r => r.MedianBatchSeconds, "", "≥ 1 (the watch time's lower bound)");
        DeployRow(text, runs, "agent commands sent", r => r.Commands, "", "");
        DeployRow(text, runs, "no-op re-deploy task (s)", r => r.NoopTaskSeconds, "", "");
        DeployRow(text, runs, "no-op re-deploy, call to done (s)", r => r.NoopWallSeconds, "", "");
        DeployRow(text, runs, "agent commands sent by the no-op", r => r.NoopCommands, "0", "");
        DeployRow(text, runs, "machine load average (1 min) at the end", r => r.LoadAverage, "", "");
        text.AppendLine();
        text.AppendLine($"[^up]: {BoshUpdateSource}. The lower bound is a wait before the first health check of each batch; the batches here: 1 backend canary, 1 web canary, then web in tens.");
        return text.ToString();
    }

    private static void Row(StringBuilder text, IReadOnlyList<IReadOnlyList<HeartbeatResult>> byAgents, string name, Func<IReadOnlyList<HeartbeatResult>, string> cell, string target, string bosh)
    {
        text.Append(CultureInfo.InvariantCulture, $"| {name} |");
        foreach (IReadOnlyList<HeartbeatResult> runs in byAgents)
        {
            text.Append(CultureInfo.InvariantCulture, $" {cell(runs)} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $" {target} | {bosh} |");
    }

    private static void DeployRow(StringBuilder text, IReadOnlyList<DeployResult> runs, string name, Func<DeployResult, double> figure, string target, string bosh) =>
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {name} | {runs.Median(figure):0.###} | {string.Join(", ", runs.Select(r => figure(r).ToString("0.###", CultureInfo.InvariantCulture)))} | {target} | {bosh} |");

    public static double Median<T>(this IReadOnlyList<T> runs, Func<T, double> figure)
    {
        double[] sorted = [.. runs.Select(figure).Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
