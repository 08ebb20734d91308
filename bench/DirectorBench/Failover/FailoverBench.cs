using System.Diagnostics;
using System.Globalization;

namespace DirectorBench.Failover;

/// <summary>
/// Failover at scale: the director in a process of its own (<see cref="FailoverHost"/>, supervisor
/// started as `ubd serve` starts it), <c>agents</c> simulated nodes (<see cref="SimAgent"/>) speaking
/// the agent protocol to it over HTTP and heartbeating at 1 Hz, the deployments of
/// <see cref="FailoverManifests"/> (every group <c>groupSize - 1</c> instances and one hot spare). Then
/// single kills in distinct groups, and a mass failure of a tenth of every group's nodes at once.
/// CPU and memory are the director process's own.
/// </summary>
internal static class FailoverBench
{
    private static readonly TimeSpan SteadyTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The supervisor's events that are outcomes of its work, not decisions.</summary>
    private static readonly HashSet<string> Outcomes = new(StringComparer.Ordinal) { "running", "move-failed", "move-deferred", "spare-prepared", "spare-prepare-failed" };

    public static async Task<FailoverResult> RunAsync(int agents, int groupSize, int kills, IReadOnlyList<string> meltdowns, TimeSpan massWindow, string releaseDirectory)
    {
        if (agents % groupSize != 0 || groupSize < 3)
        {
            throw new ArgumentException($"--failover-agents {agents} must be a multiple of the group size {groupSize} (at least 3)");
        }
        int groups = agents / groupSize;
        using HostProcess process = await HostProcess.StartAsync(
            ["failover-host", "--agents", $"{agents}", "--group-size", $"{groupSize}", "--meltdown", string.Join(",", meltdowns), "--release", Path.GetFullPath(releaseDirectory)], agents).ConfigureAwait(false);
        using var host = new HostClient(process.Address);
        await using var fleet = new SimFleet(process);
        long booting = Stopwatch.GetTimestamp();
        await fleet.StartAsync().ConfigureAwait(false);
        double bootSeconds = Stopwatch.GetElapsedTime(booting).TotalSeconds;
        Console.Error.WriteLine($"failover: {agents} nodes registered over HTTP in {bootSeconds:0.0} s");
        long deploying = Stopwatch.GetTimestamp();
        await host.DeployAsync().ConfigureAwait(false);
        Console.Error.WriteLine($"failover: deployed at {Stopwatch.GetElapsedTime(deploying).TotalSeconds:0.0} s");
        await SteadyAsync(host, fleet, groups, agents - groups).ConfigureAwait(false);
        double deploySeconds = Stopwatch.GetElapsedTime(deploying).TotalSeconds;
        Console.Error.WriteLine($"failover: steady after {deploySeconds:0.0} s");
        (double steadyCpu, double steadyMiB) = await SampleAsync(host, TimeSpan.FromSeconds(5), () => false).ConfigureAwait(false);
        HostState state = await host.StateAsync().ConfigureAwait(false);
        int before = (await host.EventsAsync(0).ConfigureAwait(false)).Length;
        long killing = Stopwatch.GetTimestamp();
        (double[] killSeconds, int notRecovered) = await SingleKillsAsync(state, fleet, kills, meltdowns, groupSize).ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("FAILOVER_TRACE") is not null)
        {
            foreach (HostEvent e in await host.EventsAsync(before).ConfigureAwait(false))
            {
                Console.Error.WriteLine($"  +{(e.At - killing) / (double)Stopwatch.Frequency:0.00} s {e.Group} {e.Kind}: {e.Message}");
            }
        }
        MassFailure mass = await MassAsync(host, fleet, meltdowns, groupSize, massWindow).ConfigureAwait(false);
        if (fleet.Errors + fleet.TimedOut > 0)
        {
            Console.Error.WriteLine($"failover: {fleet.Errors} request(s) of live simulated nodes failed, {fleet.TimedOut} timed out: "
                + string.Join("; ", SimAgent.FailureKinds.OrderByDescending(k => k.Value).Take(8).Select(k => $"{k.Key} ×{k.Value}")));
        }
        return new FailoverResult(agents, groups, string.Join(",", meltdowns), bootSeconds, deploySeconds, steadyCpu, steadyMiB, killSeconds, notRecovered, mass, fleet.Errors) { TimedOut = fleet.TimedOut };
    }

    /// <summary>Waits until every instance runs and every group has a spare holding its archive prepared.</summary>
    private static async Task SteadyAsync(HostClient host, SimFleet fleet, int groups, int instances)
    {
        long start = Stopwatch.GetTimestamp();
        for (int polls = 0; ; )
        {
            HostState state = await host.StateAsync().ConfigureAwait(false);
            int running = state.Instances.Count(i => i.Running);
            int spares = state.Spares.Count(s => fleet.ByMac[s.Mac].Instances.Any(i => i.Phase == DeployDirector.Contracts.InstancePhase.Prepared));
            if (running == instances && spares == groups)
            {
                return;
            }
            if (++polls % 25 == 0)
            {
                Console.Error.WriteLine($"failover: {running} of {instances} instances run, {spares} of {groups} spares prepared");
            }
            if (Stopwatch.GetElapsedTime(start) > SteadyTimeout)
            {
                throw new InvalidOperationException($"no steady state: {running} of {instances} instances run, {spares} of {groups} spares prepared");
            }
            await Task.Delay(500).ConfigureAwait(false);
        }
    }

    /// <summary>The director process's CPU seconds per second and its largest working set over
    /// <paramref name="span"/> (or until <paramref name="done"/>).</summary>
    private static async Task<(double CpuPerSecond, double MaxMiB)> SampleAsync(HostClient host, TimeSpan span, Func<bool> done)
    {
        long start = Stopwatch.GetTimestamp();
        HostUsage first = await host.UsageAsync().ConfigureAwait(false);
        HostUsage last = first;
        long max = first.WorkingSetBytes;
        while (Stopwatch.GetElapsedTime(start) < span && !done())
        {
            await Task.Delay(100).ConfigureAwait(false);
            last = await host.UsageAsync().ConfigureAwait(false);
            max = Math.Max(max, last.WorkingSetBytes);
        }
        return ((last.CpuSeconds - first.CpuSeconds) / Stopwatch.GetElapsedTime(start).TotalSeconds, max / 1048576.0);
    }

    private sealed record Victim(SimAgent Agent, HostInstance Instance);

    private static Victim[] Holders(HostState state, SimFleet fleet) =>
        [.. state.Instances.Where(i => i.Node is not null && i.Running && !fleet.ByMac[i.Node].Dead).Select(i => new Victim(fleet.ByMac[i.Node!], i))];

    /// <summary>One node killed in each of <paramref name="kills"/> groups at once, spread over the groups
    /// whose guard one death cannot trip.</summary>
    private static async Task<(double[] Seconds, int NotRecovered)> SingleKillsAsync(HostState state, SimFleet fleet, int kills, IReadOnlyList<string> meltdowns, int groupSize)
    {
        bool Trips(string guard) => guard.EndsWith('%') && double.Parse(guard[..^1], CultureInfo.InvariantCulture) / 100 < 1.0 / groupSize;
        var byGroup = Holders(state, fleet).GroupBy(v => v.Instance.Group).Where(g => !Trips(FailoverManifests.GuardOf(meltdowns, g.Key))).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        int count = Math.Min(kills, byGroup.Length);
        Victim[] victims = [.. Enumerable.Range(0, count).Select(k => byGroup[k * byGroup.Length / count].OrderBy(v => v.Instance.Index).ElementAt(1))];
        foreach (Victim victim in victims)
        {
            victim.Agent.Kill();
        }
        double?[] seconds = await RecoveredAsync(fleet, victims, victims.Length, KillTimeout).ConfigureAwait(false);
        return ([.. seconds.OfType<double>()], seconds.Count(s => s is null));
    }

    /// <summary>Seconds from each victim's last heartbeat to its instance reported running elsewhere, once
    /// <paramref name="enough"/> of them have recovered or the timeout passed (null: not recovered).</summary>
    private static async Task<double?[]> RecoveredAsync(SimFleet fleet, Victim[] victims, int enough, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        await Task.Delay(20).ConfigureAwait(false); // a beat in progress at the kill has ended
        while (true)
        {
            double?[] seconds = [.. victims.Select(v => fleet.RunningElsewhere(v.Instance.Id, v.Instance.Epoch, v.Agent.Mac) is { } r
                ? (r.At - v.Agent.LastBeat) / (double)Stopwatch.Frequency : (double?)null)];
            if (seconds.Count(s => s is not null) >= enough || Stopwatch.GetElapsedTime(start) > timeout)
            {
                return seconds;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private static async Task<MassFailure> MassAsync(HostClient host, SimFleet fleet, IReadOnlyList<string> meltdowns, int groupSize, TimeSpan window)
    {
        int perGroup = Math.Max(1, groupSize / 10);
        HostState state = await host.StateAsync().ConfigureAwait(false);
        var spares = state.Spares.Where(s => !fleet.ByMac[s.Mac].Dead).GroupBy(s => s.Group).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var chosen = Holders(state, fleet).GroupBy(v => v.Instance.Group).Select(g => g.OrderBy(v => v.Instance.Index).Take(perGroup).ToArray()).ToArray();
        Victim[] victims = [.. chosen.SelectMany(g => g)];
        int skip = (await host.EventsAsync(0).ConfigureAwait(false)).Length;
        SimAgent.LateBeats.Clear();
        long killed = Stopwatch.GetTimestamp();
        foreach (Victim victim in victims)
        {
            victim.Agent.Kill();
        }
        Task<double?[]> recovered = RecoveredAsync(fleet, victims, int.MaxValue, window);
        (double cpu, double maxMiB) = await SampleAsync(host, window, () => recovered.IsCompleted).ConfigureAwait(false);
        double?[] seconds = await recovered.ConfigureAwait(false);
        HostEvent[] all = await host.EventsAsync(skip).ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("FAILOVER_EVENTS") is { } dump)
        {
            await File.WriteAllLinesAsync(dump, all.Select(e => $"+{(e.At - killed) / (double)Stopwatch.Frequency:0.00} {e.Group} {e.Kind}: {e.Message}")).ConfigureAwait(false);
        }
        HostEvent[] decisions = [.. all.Where(e => !Outcomes.Contains(e.Kind))];
        // From the first decision to the last, plus the round that made the first.
        double span = decisions.Length == 0 ? 0 : (decisions[^1].At - decisions[0].At) / (double)Stopwatch.Frequency + state.IntervalSeconds;
        string kinds = string.Join(", ", decisions.GroupBy(e => e.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        var outcomes = new List<GuardOutcome>();
        foreach (IGrouping<string, Victim[]> guard in chosen.GroupBy(g => FailoverManifests.GuardOf(meltdowns, g[0].Instance.Group)))
        {
            HashSet<string> keys = [.. guard.Select(g => g[0].Instance.Group)];
            (Victim Victim, double? Seconds)[] mine = [.. victims.Zip(seconds).Where(p => keys.Contains(p.First.Instance.Group))];
            int guardMovable = guard.Sum(g => Math.Min(g.Length, spares.GetValueOrDefault(g[0].Instance.Group)));
            int guardRecovered = mine.Count(p => p.Seconds is not null);
            // From the kill (the victims' last beats are up to a second older than it).
            double allMovable = guardMovable > 0 && guardRecovered >= guardMovable
                ? mine.Where(p => p.Seconds is not null).Max(p => p.Victim.Agent.LastBeat + (long)(p.Seconds!.Value * Stopwatch.Frequency) - killed) / (double)Stopwatch.Frequency
                : double.NaN;
            HostEvent[] theirs = [.. decisions.Where(e => keys.Contains(e.Group))];
            outcomes.Add(new GuardOutcome(guard.Key, keys.Count, mine.Length, guardMovable, guardRecovered, allMovable,
                theirs.Count(e => e.Kind == "failover"), theirs.Count(e => e.Kind == "orphaned"),
                theirs.Where(e => e.Kind == "alert:meltdown").Select(e => e.Group).Distinct(StringComparer.Ordinal).Count()));
        }
        // A fence names its node first ("<mac> missed N heartbeats ..."): one of a node that was not killed
        // is the director mistaking a late heartbeat for a death.
        HashSet<string> dead = [.. victims.Select(v => v.Agent.Mac)];
        int liveFenced = all.Where(e => e.Kind == "fenced").Select(e => e.Message.Split(' ')[0]).Distinct(StringComparer.Ordinal).Count(mac => !dead.Contains(mac));
        // Fences, orphans and released spares name the node judged dead first, as above.
        int liveJudgedDead = all.Where(e => e.Kind is "fenced" or "orphaned" || e.Kind == "spare-released" && e.Message.EndsWith(": dead", StringComparison.Ordinal))
            .Select(e => e.Message.Split(' ')[0]).Distinct(StringComparer.Ordinal).Count(mac => !dead.Contains(mac));
        (long SentAt, double Seconds)[] late = [.. SimAgent.LateBeats];
        return new MassFailure(victims.Length, decisions.Length, span, kinds, cpu, maxMiB, window.TotalSeconds, outcomes)
        {
            LiveFenced = liveFenced,
            LiveJudgedDead = liveJudgedDead,
            BeatsLate1s = late.Length,
            BeatsLate3s = late.Count(b => b.Seconds >= 3),
            LatestBeatSeconds = late.Length == 0 ? 0 : late.Max(b => b.Seconds),
        };
    }
}
