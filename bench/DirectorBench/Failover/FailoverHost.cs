using System.Diagnostics;
using DeployDirector;
using DeployDirector.Api;
using DeployDirector.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DirectorBench.Failover;

/// <summary>
/// The director of the failover bench, in a process of its own so that its CPU time and memory are its
/// own: a fresh data directory, the director composed by <see cref="DirectorSetup"/> as `ubd serve`
/// composes it, the demo release uploaded, every simulated node booted in the image tree (as a PXE boot
/// does) with its credential issued, Kestrel on 127.0.0.1:0 serving the real agent protocol. The bench
/// drives it through a few bench-only routes: deploy (starts the supervisor, then every deployment at
/// once), state (instances and spares), events (the supervisor's, stamped) and usage (CPU, memory).
/// Prints the credentials and its address on stdout; stops when its stdin closes.
/// </summary>
internal static class FailoverHost
{
    public const string DeployPath = "/bench/deploy";
    public const string StatePath = "/bench/state";
    public const string EventsPath = "/bench/events";
    public const string UsagePath = "/bench/usage";

    public static async Task<int> RunAsync(int agents, int groupSize, IReadOnlyList<string> meltdowns, string releaseDirectory)
    {
        using BenchDirector bench = await BenchDirector.OpenAsync("failover", new DirectorOptions { NodeWait = TimeSpan.FromMinutes(5) }, releaseDirectory).ConfigureAwait(false);
        DirectorSetup director = bench.Director;
        var events = new List<HostEvent>();
        director.Supervisor.Events.Added += e =>
        {
            var stamped = new HostEvent(Stopwatch.GetTimestamp(), e.Group, e.Kind, e.Message);
            lock (events)
            {
                events.Add(stamped);
            }
        };
        var credentials = new List<string>(agents);
        for (int i = 0; i < agents; i++)
        {
            string mac = BenchHost.Mac(i);
            director.Context.Tree.BootNode(mac, "stemcell");
            credentials.Add($"node {mac} {director.Context.Nodes.IssueCredential(mac)}");
        }
        await using WebApplication app = Build(director, events, [.. FailoverManifests.All(agents, groupSize, meltdowns)]);
        await BenchDirector.ServeUntilStdinClosesAsync(app, credentials).ConfigureAwait(false);
        return 0;
    }

    private static WebApplication Build(DirectorSetup director, List<HostEvent> events, IReadOnlyList<string> manifests)
    {
        WebApplication app = BenchDirector.App(director);
        app.UseRouting();
        app.MapAgentProtocol();
        app.MapPost(DeployPath, async () =>
        {
            director.Supervisor.Start();
            // Every deployment at once: their batches wait on agents and polls, so they overlap.
            string?[] failures = await Task.WhenAll(manifests.Select(m => DeployAsync(director, m))).ConfigureAwait(false);
            return failures.OfType<string>().FirstOrDefault() is { } failure ? Results.Problem(failure, statusCode: 500) : Results.NoContent();
        });
        app.MapGet(StatePath, () => Results.Json(new HostState(
            [.. director.Context.Store.AllInstances().Select(i => new HostInstance(i.Id, $"{i.Deployment}/{i.Group}", i.Index, i.Node, i.Epoch, i.Status == InstanceStatus.Running))],
            [.. director.Context.Nodes.All().Where(n => n.SpareFor is not null).Select(n => new HostSpare(n.Mac, n.SpareFor!))],
            director.Supervisor.Interval.TotalSeconds), HostState.Json));
        app.MapGet(EventsPath, (int from) =>
        {
            lock (events)
            {
                return Results.Json(events.Skip(from).ToArray(), HostState.Json);
            }
        });
        app.MapGet(UsagePath, () => Results.Json(new HostUsage(Environment.CpuUsage.TotalTime.TotalSeconds, Environment.WorkingSet), HostState.Json));
        return app;
    }

    private static async Task<string?> DeployAsync(DirectorSetup director, string manifest)
    {
        DeployDirector.Running.DeployOutcome outcome = director.Deployer.Deploy(manifest, "failover.yml", null);
        if (outcome.Task is null)
        {
            return "the failover manifest is invalid: " + string.Join("; ", outcome.Errors) + "\n" + manifest;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        DirectorTaskRecord task = await director.Context.Tasks.WaitAsync(outcome.Task.Id, timeout.Token).ConfigureAwait(false);
        return task.State == DirectorTaskState.Done ? null : $"deploy task {task.Id} ended {task.State}: {task.Error}";
    }
}
