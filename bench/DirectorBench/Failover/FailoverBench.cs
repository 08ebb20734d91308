using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DeployDirector;
using DeployDirector.Releases;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using ImageTree.Tree;
using Microsoft.Extensions.Logging.Abstractions;

namespace DirectorBench.Failover;

/// <summary>
/// Failover at scale: the director composed by <see cref="DirectorSetup"/> with its supervisor started as
/// `ubd serve` starts it, <c>agents</c> simulated nodes (<see cref="SimAgent"/>, in process through the
/// hub) heartbeating at 1 Hz, deployments of ten groups each, every group <c>groupSize - 1</c>
/// instances and one hot spare. Then single kills in distinct groups, and a mass failure of a tenth of
/// every group's nodes at once, under the given meltdown setting.
/// </summary>
internal static class FailoverBench
{
    private const int GroupsPerDeployment = 10;
    private static readonly TimeSpan SteadyTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The decisions among the supervisor's events (the rest are outcomes of its work).</summary>
    private static readonly HashSet<string> Outcomes = new(StringComparer.Ordinal) { "running", "move-failed", "move-deferred", "spare-prepared", "spare-prepare-failed" };

    public static async Task<FailoverResult> RunAsync(int agents, int groupSize, int kills, IReadOnlyList<string> meltdowns, TimeSpan massWindow, string releaseDirectory)
    {
        if (agents % groupSize != 0 || groupSize < 3)
        {
            throw new ArgumentException($"--failover-agents {agents} must be a multiple of the group size {groupSize} (at least 3)");
        }
        int groups = agents / groupSize;
        DirectoryInfo directory = Directory.CreateTempSubdirectory("ubd-failover-bench-");
        try
        {
            string data = Path.Combine(directory.FullName, "data");
            using ImageTreeService tree = ImageTreeService.Open(data);
            string root = Path.Combine(directory.FullName, "root.img");
            await File.WriteAllBytesAsync(root, new byte[1 << 20]).ConfigureAwait(false);
            tree.Import("stemcell", root, UnionBlock.Store.ImageFormat.Raw, null);
            using DirectorSetup director = DirectorSetup.Open(data, tree, new DirectorOptions { NodeWait = TimeSpan.FromMinutes(5) }, NullLogger.Instance);
            string tarball = Path.Combine(directory.FullName, "demo.tgz");
            ReleaseBuilder.Create(releaseDirectory, tarball);
            await using (FileStream release = File.OpenRead(tarball))
            {
                director.Deployer.UploadRelease(release);
            }
            var events = new ConcurrentQueue<(long At, GroupEvent Event)>();
            director.Supervisor.Events.Added += e => events.Enqueue((Stopwatch.GetTimestamp(), e));
            await using var fleet = new SimFleet(director, agents);
            long booting = Stopwatch.GetTimestamp();
            fleet.Start();
            double bootSeconds = Stopwatch.GetElapsedTime(booting).TotalSeconds;
            Console.Error.WriteLine($"failover: {agents} nodes booted in {bootSeconds:0.0} s");
            director.Supervisor.Start();
            long deploying = Stopwatch.GetTimestamp();
            // Every deployment at once: their batches wait on agents and polls, so they overlap.
            await Task.WhenAll(Enumerable.Range(0, (groups + GroupsPerDeployment - 1) / GroupsPerDeployment).Select(d =>
                DeployAsync(director, Manifest(d, Math.Min(GroupsPerDeployment, groups - d * GroupsPerDeployment), groupSize, meltdowns)))).ConfigureAwait(false);
            Console.Error.WriteLine($"failover: deployed at {Stopwatch.GetElapsedTime(deploying).TotalSeconds:0.0} s");
            await SteadyAsync(director, fleet, events, groups, agents - groups).ConfigureAwait(false);
            double deploySeconds = Stopwatch.GetElapsedTime(deploying).TotalSeconds;
            Console.Error.WriteLine($"failover: steady after {deploySeconds:0.0} s");
            (double steadyCpu, double steadyMiB) = await SampleAsync(TimeSpan.FromSeconds(5), () => false).ConfigureAwait(false);
            int before = events.Count;
            long killing = Stopwatch.GetTimestamp();
            (double[] killSeconds, int notRecovered) = await SingleKillsAsync(director, fleet, groups, kills, meltdowns, groupSize).ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("FAILOVER_TRACE") is not null)
            {
                foreach ((long at, GroupEvent e) in events.Skip(before))
                {
                    Console.Error.WriteLine($"  +{(at - killing) / (double)Stopwatch.Frequency:0.00} s {e.Group} {e.Kind}: {e.Message}");
                }
            }
            MassFailure mass = await MassAsync(director, fleet, events, groupSize, meltdowns, massWindow).ConfigureAwait(false);
            return new FailoverResult(agents, groups, string.Join(",", meltdowns), bootSeconds, deploySeconds, steadyCpu, steadyMiB, killSeconds, notRecovered, mass);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The meltdown setting of a group: the settings take turns over the groups, so one mass
    /// failure shows them side by side.</summary>
    public static string Guard(IReadOnlyList<string> meltdowns, int deployment, int group) => meltdowns[(deployment * GroupsPerDeployment + group) % meltdowns.Count];

    private static string Manifest(int deployment, int groups, int groupSize, IReadOnlyList<string> meltdowns)
    {
        var text = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $$"""
            name: fo{{deployment}}
            releases:
              - { name: demo, version: latest }
            stemcells:
              - { alias: default, edition: stemcell }
            update: { canaries: 1, max_in_flight: 100%, canary_watch_time: 0-30000, update_watch_time: 0-30000 }
            instance_groups:
            """));
        for (int g = 0; g < groups; g++)
        {
            // The first group provides the backend link the web job consumes.
            string job = g == 0 ? "backend" : "web";
            string failover = Guard(meltdowns, deployment, g) switch
            {
                "default" => "",
                "off" => "\n    failover: { meltdown: off }",
                string share => $"\n    failover: {{ meltdown: {{ share: {share} }} }}",
            };
            text.Append(CultureInfo.InvariantCulture, $"""

                  - name: g{g}
                    instances: {groupSize - 1}
                    spares: 1
                    stemcell: default{failover}
                    jobs:
                      - {"{"} name: {job}, release: demo {"}"}
                """);
        }
        return text.AppendLine().ToString();
    }

    private static async Task DeployAsync(DirectorSetup director, string manifest)
    {
        DeployDirector.Running.DeployOutcome outcome = director.Deployer.Deploy(manifest, "failover.yml", null);
        if (outcome.Task is null)
        {
            throw new InvalidOperationException("the failover manifest is invalid: " + string.Join("; ", outcome.Errors) + "\n" + manifest);
        }
        using var timeout = new CancellationTokenSource(SteadyTimeout);
        DirectorTaskRecord task = await director.Context.Tasks.WaitAsync(outcome.Task.Id, timeout.Token).ConfigureAwait(false);
        if (task.State != DirectorTaskState.Done)
        {
            throw new InvalidOperationException($"deploy task {task.Id} ended {task.State}: {task.Error}");
        }
    }

    /// <summary>Waits until every instance runs and every group has a spare holding its archive prepared.</summary>
    private static async Task SteadyAsync(DirectorSetup director, SimFleet fleet, ConcurrentQueue<(long At, GroupEvent Event)> events, int groups, int instances)
    {
        long start = Stopwatch.GetTimestamp();
        for (int polls = 0; ; )
        {
            int running = director.Context.Store.AllInstances().Count(i => i.Status == InstanceStatus.Running);
            int spares = director.Context.Nodes.All().Count(n => n.SpareFor is not null
                && fleet.ByMac[n.Mac].Instances.Any(s => s.Phase == DeployDirector.Contracts.InstancePhase.Prepared));
            if (running == instances && spares == groups)
            {
                return;
            }
            if (++polls % 25 == 0)
            {
                Console.Error.WriteLine($"failover: {running} of {instances} instances run, {spares} of {groups} spares prepared; supervisor events: "
                    + string.Join(", ", events.GroupBy(e => e.Event.Kind).Select(g => $"{g.Key} {g.Count()}")));
            }
            if (Stopwatch.GetElapsedTime(start) > SteadyTimeout)
            {
                throw new InvalidOperationException($"no steady state: {running} of {instances} instances run, {spares} of {groups} spares prepared");
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>This process's CPU seconds per second and its largest working set over <paramref name="span"/>
    /// (or until <paramref name="done"/>).</summary>
    private static async Task<(double CpuPerSecond, double MaxMiB)> SampleAsync(TimeSpan span, Func<bool> done)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        long max = 0;
        while (Stopwatch.GetElapsedTime(start) < span && !done())
        {
            max = Math.Max(max, Environment.WorkingSet);
            await Task.Delay(100).ConfigureAwait(false);
        }
        return ((Environment.CpuUsage.TotalTime - cpu).TotalSeconds / Stopwatch.GetElapsedTime(start).TotalSeconds, max / 1048576.0);
    }

    private sealed record Victim(SimAgent Agent, InstanceRecord Instance, string Group);

    private static Victim[] Holders(DirectorSetup director, SimFleet fleet) =>
        [.. director.Context.Store.AllInstances()
            .Where(i => i.Node is not null && i.Status == InstanceStatus.Running && !fleet.ByMac[i.Node].Dead)
            .Select(i => new Victim(fleet.ByMac[i.Node!], i, $"{i.Deployment}/{i.Group}"))];

    /// <summary>One node killed in each of <paramref name="kills"/> groups at once, spread over the groups
    /// whose guard one death cannot trip.</summary>
    private static async Task<(double[] Seconds, int NotRecovered)> SingleKillsAsync(DirectorSetup director, SimFleet fleet, int groups, int kills, IReadOnlyList<string> meltdowns, int groupSize)
    {
        bool Trips(string guard) => guard.EndsWith('%') && double.Parse(guard[..^1], CultureInfo.InvariantCulture) / 100 < 1.0 / groupSize;
        var byGroup = Holders(director, fleet).GroupBy(v => v.Group).Where(g => !Trips(GuardOf(meltdowns, g.Key))).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
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

    private static async Task<MassFailure> MassAsync(DirectorSetup director, SimFleet fleet, ConcurrentQueue<(long At, GroupEvent Event)> events, int groupSize,
        IReadOnlyList<string> meltdowns, TimeSpan window)
    {
        int perGroup = Math.Max(1, groupSize / 10);
        var spares = director.Context.Nodes.All().Where(n => n.SpareFor is not null && !fleet.ByMac[n.Mac].Dead).GroupBy(n => n.SpareFor!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var chosen = Holders(director, fleet).GroupBy(v => v.Group).Select(g => g.OrderBy(v => v.Instance.Index).Take(perGroup).ToArray()).ToArray();
        Victim[] victims = [.. chosen.SelectMany(g => g)];
        int skip = events.Count;
        long killed = Stopwatch.GetTimestamp();
        foreach (Victim victim in victims)
        {
            victim.Agent.Kill();
        }
        Task<double?[]> recovered = RecoveredAsync(fleet, victims, int.MaxValue, window);
        (double cpu, double maxMiB) = await SampleAsync(window, () => recovered.IsCompleted).ConfigureAwait(false);
        double?[] seconds = await recovered.ConfigureAwait(false);
        if (Environment.GetEnvironmentVariable("FAILOVER_EVENTS") is { } dump)
        {
            await File.WriteAllLinesAsync(dump, events.Skip(skip).Select(e => $"+{(e.At - killed) / (double)Stopwatch.Frequency:0.00} {e.Event.Group} {e.Event.Kind}: {e.Event.Message}")).ConfigureAwait(false);
        }
        (long At, GroupEvent Event)[] decisions = [.. events.Skip(skip).Where(e => !Outcomes.Contains(e.Event.Kind))];
        // From the first decision to the last, plus the round that made the first.
        double span = decisions.Length == 0 ? 0 : (decisions[^1].At - decisions[0].At) / (double)Stopwatch.Frequency + director.Supervisor.Interval.TotalSeconds;
        string kinds = string.Join(", ", decisions.GroupBy(e => e.Event.Kind).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        var outcomes = new List<GuardOutcome>();
        foreach (IGrouping<string, Victim[]> guard in chosen.GroupBy(g => GuardOf(meltdowns, g[0].Group)))
        {
            HashSet<string> keys = [.. guard.Select(g => g[0].Group)];
            (Victim Victim, double? Seconds)[] mine = [.. victims.Zip(seconds).Where(p => keys.Contains(p.First.Group))];
            int guardMovable = guard.Sum(g => Math.Min(g.Length, spares.GetValueOrDefault(g[0].Group)));
            int guardRecovered = mine.Count(p => p.Seconds is not null);
            // From the kill (the victims' last beats are up to a second older than it).
            double all = guardMovable > 0 && guardRecovered >= guardMovable
                ? mine.Where(p => p.Seconds is not null).Max(p => p.Victim.Agent.LastBeat + (long)(p.Seconds!.Value * Stopwatch.Frequency) - killed) / (double)Stopwatch.Frequency
                : double.NaN;
            (long At, GroupEvent Event)[] theirs = [.. decisions.Where(e => keys.Contains(e.Event.Group))];
            outcomes.Add(new GuardOutcome(guard.Key, keys.Count, mine.Length, guardMovable, guardRecovered, all,
                theirs.Count(e => e.Event.Kind == "failover"), theirs.Count(e => e.Event.Kind == "orphaned"),
                theirs.Where(e => e.Event.Kind == "alert:meltdown").Select(e => e.Event.Group).Distinct(StringComparer.Ordinal).Count()));
        }
        return new MassFailure(victims.Length, decisions.Length, span, kinds, cpu, maxMiB, window.TotalSeconds, outcomes);
    }

    /// <summary>The meltdown setting of a group key "fo{d}/g{g}".</summary>
    private static string GuardOf(IReadOnlyList<string> meltdowns, string key)
    {
        string[] parts = key.Split('/');
        return Guard(meltdowns, int.Parse(parts[0][2..], CultureInfo.InvariantCulture), int.Parse(parts[1][1..], CultureInfo.InvariantCulture));
    }
}
