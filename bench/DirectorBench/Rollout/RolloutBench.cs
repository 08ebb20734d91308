using System.Diagnostics;
using System.Globalization;
using DeployDirector;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DirectorBench.Rollout;

/// <summary>What one rollout run measured.</summary>
/// <param name="FloorSeconds">What the update block alone costs: every batch waits at least its watch time's lower bound,
/// plus the simulated reboot.</param>
internal sealed record RolloutResult(int Nodes, int Groups, int Batches, double RolloutSeconds, double FloorSeconds, int Moved,
    double RollbackSeconds, int RolledBack, double DirectorCpuSeconds);

/// <summary>
/// A rollout over simulated nodes: N fake agents (the director tests' FakeAgent, in process, through the live
/// hub; a reboot takes them 50 ms) run a deployment of G groups in turn; a patched edition (a 1-block delta) is
/// rolled out with canaries 1, max_in_flight 5 and a watch time whose lower bound is 1 s; then an edition
/// that breaks the third group's job is rolled out with on_failure: rollback, and the time to fail its canary
/// and bring the first two groups and that canary back is measured.
/// </summary>
internal static class RolloutBench
{
    public const int MaxInFlight = 5;
    public const double WatchLowSeconds = 1.0;
    public const double RebootSeconds = 0.05;

    public static async Task<RolloutResult> RunAsync(int nodes, int groups, string releaseDirectory)
    {
        using BenchDirector bench = await BenchDirector.OpenAsync("rollout", new DirectorOptions { NodeWait = TimeSpan.FromSeconds(30) }, releaseDirectory).ConfigureAwait(false);
        DirectorSetup director = bench.Director;
        var agents = new List<FakeAgent>();
        try
        {
            for (int i = 0; i < nodes; i++)
            {
                var agent = new FakeAgent(director, BenchHost.Mac(i), $"10.1.{i >> 8 & 0xff}.{i & 0xff}");
                agents.Add(agent);
                agent.Boot();
            }
            await WaitAsync(director, director.Deployer.Deploy(Manifest(nodes, groups), "rollout.yml", null).Task!, DirectorTaskState.Done).ConfigureAwait(false);
            Publish(bench, "stemcell@1", 2);
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            DirectorTaskRecord rolled = await WaitAsync(director, director.Deployer.Rollout("bench", "stemcell@2"), DirectorTaskState.Done).ConfigureAwait(false);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var result = System.Text.Json.JsonDocument.Parse(rolled.Result!).RootElement;
            int moved = result.GetProperty("moved").GetInt32();
            int batches = result.GetProperty("batches").GetArrayLength();
            if (moved != nodes)
            {
                throw new InvalidOperationException($"the rollout moved {moved} of {nodes} nodes");
            }

            // The next edition breaks the third group's job: its canary fails, and everything moved goes back.
            Publish(bench, "stemcell@2", 3);
            string broken = "g3";
            foreach (FakeAgent agent in agents.Where(a => director.Context.Store.Instances("bench").Any(i => i.Node == a.Mac && i.Group == broken)))
            {
                agent.OnBoot = () => agent.FailStart = bench.Tree.Node(agent.Mac).EditionSetting == "stemcell@3";
            }
            start = Stopwatch.GetTimestamp();
            DirectorTaskRecord failed = await WaitAsync(director, director.Deployer.Rollout("bench", "stemcell@3"), DirectorTaskState.Error).ConfigureAwait(false);
            double rollback = Stopwatch.GetElapsedTime(start).TotalSeconds;
            int back = agents.Count(a => bench.Tree.Node(a.Mac).Edition == "stemcell@2");
            if (back != nodes || !failed.Error!.Contains("Rolled back", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"after the failed rollout {back} of {nodes} nodes are on stemcell@2: {failed.Error}");
            }
            int perGroup = nodes / groups;
            double floor = batches * (WatchLowSeconds + RebootSeconds);
            int rolledBack = 2 * perGroup + 1;
            return new RolloutResult(nodes, groups, batches, seconds, floor, moved, rollback, rolledBack, cpuSeconds);
        }
        finally
        {
            foreach (FakeAgent agent in agents)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The next edition of the stem cell: one block changed over <paramref name="over"/>.</summary>
    private static void Publish(BenchDirector bench, string over, int edition)
    {
        byte[] image = new byte[1 << 20];
        image[edition * 4096] = (byte)edition;
        string file = Path.Combine(bench.Directory.FullName, $"root-{edition}.img");
        File.WriteAllBytes(file, image);
        bench.Tree.Import("stemcell", file, ImageTree.Operations.ImageFormat.Raw, over);
    }

    private static async Task<DirectorTaskRecord> WaitAsync(DirectorSetup director, DirectorTaskRecord task, DirectorTaskState expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        DirectorTaskRecord ended = await director.Context.Tasks.WaitAsync(task.Id, timeout.Token).ConfigureAwait(false);
        return ended.State == expected ? ended : throw new InvalidOperationException($"task {ended.Id} ({ended.Kind}) ended {ended.State}, not {expected}: {ended.Error}");
    }

    private static string Manifest(int nodes, int groups)
    {
        var text = new System.Text.StringBuilder($$"""
            name: bench
            releases:
              - { name: demo, version: latest }
            stemcells:
              - { alias: default, edition: stemcell }
            update: { canaries: 1, max_in_flight: {{MaxInFlight}}, canary_watch_time: {{WatchLowSeconds * 1000}}-30000, update_watch_time: {{WatchLowSeconds * 1000}}-30000, serial: true, on_failure: rollback }
            instance_groups:

            """);
        for (int g = 1; g <= groups; g++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - {{ name: g{g}, instances: {nodes / groups}, stemcell: default, leaf_policy: reset, jobs: [{{ name: backend, release: demo, provides: {{ backend: {{ as: backend-g{g} }} }} }}] }}\n");
        }
        return text.ToString();
    }
}
