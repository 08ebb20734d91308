using System.Globalization;
using System.Text;

namespace DirectorBench.Failover;

/// <summary>The failover tables: single kills pooled over every run, then one row per mass failure.</summary>
internal static class FailoverReport
{
    public const string BoshResurrectorSource = "cloudfoundry/bosh jobs/health_monitor/spec: the health monitor analyzes agents every `hm.intervals.analyze_agents` (default 60 s) and counts an agent as timed out after `hm.intervals.agent_timeout` (default 60 s) without a heartbeat, so a dead VM is noticed 60–120 s after its last heartbeat; the Resurrector then starts a scan-and-fix task on the Director that recreates the VM (BOSH docs, \"Automatic repair with Resurrector\", https://bosh.io/docs/resurrector/)";

    public static string Table(IReadOnlyList<FailoverResult> runs)
    {
        var text = new StringBuilder();
        double[] kills = [.. runs.SelectMany(r => r.KillSeconds).Order()];
        FailoverResult first = runs[0];
        text.AppendLine(CultureInfo.InvariantCulture, $"| single kills ({first.Agents:N0} agents, {first.Groups} groups, {kills.Length} kills over {runs.Count} runs) | median | p95 | max | target | BOSH |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| last heartbeat of the killed node → its instance reported running on the spare (s) | {Pick(kills, 50):0.00} | {Pick(kills, 95):0.00} | {Pick(kills, 100):0.00} | ≤ 5 | 60–120 s to notice[^res], then the VM is recreated |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| kills whose instance never ran again | {runs.Sum(r => r.KillsNotRecovered)} | | | 0 | |");
        text.AppendLine();
        text.AppendLine("| run | meltdown guard | register every node (s) | deploy to steady (s) | director CPU s/s, steady | director working set, steady (MiB) | agent requests failed / timed out | per-kill seconds |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (FailoverResult run in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {runs.ToList().IndexOf(run) + 1} | {run.Meltdown} | {run.BootSeconds:0.0} | {run.DeploySeconds:0.0} | {run.SteadyCpuPerSecond:0.00} | {run.SteadyWorkingSetMiB:0} | {run.RequestErrors} / {run.TimedOut} | {string.Join(" ", run.KillSeconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| median | | {Median(runs.Select(r => r.BootSeconds)):0.0} | {Median(runs.Select(r => r.DeploySeconds)):0.0} | {Median(runs.Select(r => r.SteadyCpuPerSecond)):0.00} | {Median(runs.Select(r => r.SteadyWorkingSetMiB)):0} | | |");
        text.AppendLine();
        text.AppendLine("| mass failure: a tenth of every group at once | nodes killed | live nodes fenced | live nodes judged dead | live beats answered after 1 s / 3 s (latest, s) | decisions | decisions/s | director CPU s/s | director max working set (MiB) | decisions by kind |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (FailoverResult run in runs)
        {
            MassFailure m = run.Mass;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| run {runs.ToList().IndexOf(run) + 1} | {m.Killed} | {m.LiveFenced} | {m.LiveJudgedDead} | {m.BeatsLate1s} / {m.BeatsLate3s} ({m.LatestBeatSeconds:0.0}) | {m.Decisions} | {m.DecisionsPerSecond:0} | {m.CpuPerSecond:0.00} | {m.MaxWorkingSetMiB:0} | {m.DecisionKinds} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| median | | {Median(runs.Select(r => (double)r.Mass.LiveFenced)):0} | {Median(runs.Select(r => (double)r.Mass.LiveJudgedDead)):0} | {Median(runs.Select(r => (double)r.Mass.BeatsLate1s)):0} / {Median(runs.Select(r => (double)r.Mass.BeatsLate3s)):0} | {Median(runs.Select(r => (double)r.Mass.Decisions)):0} | {Median(runs.Select(r => r.Mass.DecisionsPerSecond)):0} | {Median(runs.Select(r => r.Mass.CpuPerSecond)):0.00} | {Median(runs.Select(r => r.Mass.MaxWorkingSetMiB)):0} | |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| meltdown guard (groups take turns) | run | groups | killed | movable (a spare left) | running again within {runs[0].Mass.WindowSeconds:0} s | kill → every movable running (s) | failover moves | orphaned | groups that raised the meltdown alert |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (FailoverResult run in runs)
        {
            foreach (GuardOutcome g in run.Mass.ByGuard)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {Describe(g.Guard)} | {runs.ToList().IndexOf(run) + 1} | {g.Groups} | {g.Killed} | {g.Movable} | {g.Recovered} | {Seconds(g.AllMovableSeconds, run.Mass.WindowSeconds)} | {g.Moves} | {g.Orphaned} | {g.GroupsAlerted} of {g.Groups} |");
            }
        }
        text.AppendLine();
        text.AppendLine($"[^res]: {BoshResurrectorSource}.");
        return text.ToString();
    }

    private static string Describe(string guard) => guard switch
    {
        "default" => "on, default share 50 %",
        "off" => "off",
        _ => $"on, share {guard}",
    };

    private static string Seconds(double value, double window) => double.IsNaN(value) ? $"not within {window:0} s" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Pick(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
