using System.Diagnostics;
using DeployDirector;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DirectorBench;

/// <summary>
/// A deploy of N instances onto N idle stem cells whose agents answer at once (the director tests'
/// <see cref="FakeAgent"/>, in process, through the live hub), then the same manifest again, which
/// must send no command. Fresh data directory (RocksDB state, a 1 MiB stem-cell root) per run.
/// </summary>
internal static class DeployBench
{
    public static async Task<DeployResult> RunAsync(int instances, string releaseDirectory)
    {
        using BenchDirector bench = await BenchDirector.OpenAsync("deploy", new DirectorOptions { NodeWait = TimeSpan.FromSeconds(30) }, releaseDirectory).ConfigureAwait(false);
        DirectorSetup director = bench.Director;
        var agents = new List<FakeAgent>();
        try
        {
            for (int i = 0; i < instances; i++)
            {
                var agent = new FakeAgent(director, BenchHost.Mac(i), $"10.0.{i >> 8 & 0xff}.{i & 0xff}");
                agents.Add(agent);
                agent.Boot();
            }
            return await MeasureAsync(director, agents).ConfigureAwait(false);
        }
        finally
        {
            // Agents stop before the director closes its state under them.
            foreach (FakeAgent agent in agents)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<DeployResult> MeasureAsync(DirectorSetup director, IReadOnlyList<FakeAgent> agents)
    {
        string manifest = Manifest(agents.Count);
        (DirectorTaskRecord deploy, double deployWall) = await DeployAsync(director, manifest).ConfigureAwait(false);
        int commands = agents.Sum(a => a.ReceivedCount);
        (DirectorTaskRecord noop, double noopWall) = await DeployAsync(director, manifest).ConfigureAwait(false);
        int noopCommands = agents.Sum(a => a.ReceivedCount) - commands;
        // The plan alone (pure: validation, placement, rendering every instance's archive); a deploy plans twice.
        long planning = Stopwatch.GetTimestamp();
        DeployDirector.Running.PlanOutcome planned = director.Deployer.Plan(manifest, "bench.yml", null);
        double planSeconds = Stopwatch.GetElapsedTime(planning).TotalSeconds;
        if (planned.Plan is null)
        {
            throw new InvalidOperationException("the bench manifest does not plan: " + string.Join("; ", planned.Errors));
        }
        int running = agents.Count(a => a.Instances.Any(s => s.Phase == DeployDirector.Contracts.InstancePhase.Running));
        if (running != agents.Count)
        {
            throw new InvalidOperationException($"after the deploy {running} of {agents.Count} nodes run an instance");
        }
        // Where the time goes, from the task's own events: a batch starts at its "updating …" step.
        DateTimeOffset started = deploy.StartedAt!.Value;
        DateTimeOffset[] batches = [.. deploy.Events.Where(e => e.Stage == "update" && e.Message.Contains(": updating ", StringComparison.Ordinal)).Select(e => e.At)];
        DateTimeOffset[] ends = [.. batches.Skip(1), deploy.Events.Last(e => e.Stage == "done").At];
        TaskEvent? plan = deploy.Events.FirstOrDefault(e => e.Stage == "plan");
        double[] lengths = [.. batches.Zip(ends, (from, to) => (to - from).TotalSeconds)];
        return new DeployResult(agents.Count, Seconds(deploy), deployWall,
            plan is null ? double.NaN : (plan.At - started).TotalSeconds,
            batches.Length == 0 ? double.NaN : (batches[0] - started).TotalSeconds,
            batches.Length, lengths.Length == 0 ? double.NaN : Report.Median(lengths, x => x),
            commands, Seconds(noop), noopWall, noopCommands, planSeconds, MachineLoad.OneMinute());
    }

    /// <summary>BOSH's documented update block (canaries 1, max_in_flight 10), with watch times that
    /// start at 0 so the figure is the director's work, not a fixed wait; one backend, the rest web.</summary>
    private static string Manifest(int instances) => $$"""
        name: bench
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 10, canary_watch_time: 0-30000, update_watch_time: 0-30000 }
        instance_groups:
          - name: backend
            instances: 1
            stemcell: default
            jobs:
              - { name: backend, release: demo }
          - name: web
            instances: {{instances - 1}}
            stemcell: default
            jobs:
              - name: web
                release: demo
                properties: { title: bench, port: 80 }
        """;

    private static async Task<(DirectorTaskRecord Task, double WallSeconds)> DeployAsync(DirectorSetup director, string manifest)
    {
        long start = Stopwatch.GetTimestamp();
        DeployDirector.Running.DeployOutcome outcome = director.Deployer.Deploy(manifest, "bench.yml", null);
        if (outcome.Task is null)
        {
            throw new InvalidOperationException("the bench manifest is invalid: " + string.Join("; ", outcome.Errors));
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        DirectorTaskRecord task = await director.Context.Tasks.WaitAsync(outcome.Task.Id, timeout.Token).ConfigureAwait(false);
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (task.State != DirectorTaskState.Done)
        {
            throw new InvalidOperationException($"deploy task {task.Id} ended {task.State}: {task.Error}");
        }
        return (task, wall);
    }

    private static double Seconds(DirectorTaskRecord task) => (task.EndedAt!.Value - task.StartedAt!.Value).TotalSeconds;
}
