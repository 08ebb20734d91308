using System.Diagnostics;
using DeployDirector;
using DeployDirector.Api;
using DeployDirector.Contracts;
using ImageTree.Tree;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace DirectorBench;

/// <summary>
/// The director under load, in a process of its own so that its CPU time and memory are its own:
/// a fresh data directory, the director composed by <see cref="DirectorSetup"/> as `ubd serve`
/// composes it, Kestrel on 127.0.0.1:0 serving the real agent protocol. It issues one credential per
/// simulated node, prints them and its address on stdout, and stops when its stdin closes.
/// </summary>
internal static class BenchHost
{
    public const string StatsPath = "/bench/stats";
    public const string ResetPath = "/bench/reset";

    public static async Task<int> RunAsync(int agents, int capacity)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("ubd-director-bench-");
        try
        {
            string data = Path.Combine(directory.FullName, "data");
            using ImageTreeService tree = ImageTreeService.Open(data);
            using DirectorSetup director = DirectorSetup.Open(data, tree, new DirectorOptions(), NullLogger.Instance);
            var credentials = new List<string>(agents);
            for (int i = 0; i < agents; i++)
            {
                credentials.Add($"node {Mac(i)} {director.Context.Nodes.IssueCredential(Mac(i))}");
            }
            await using WebApplication app = Build(director, new LatencyRecorder(capacity));
            await BenchDirector.ServeUntilStdinClosesAsync(app, credentials).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The simulated node's MAC: 52:54:00 (QEMU's prefix) and the index in three bytes.</summary>
    public static string Mac(int index) => $"52:54:00:{(index >> 16) & 0xff:x2}:{(index >> 8) & 0xff:x2}:{index & 0xff:x2}";

    private static WebApplication Build(DirectorSetup director, LatencyRecorder handling)
    {
        WebApplication app = BenchDirector.App(director);
        var clock = new Clock();
        // Outside routing, so the figure is routing + authentication + body + hub + response.
        app.Use(async (context, next) =>
        {
            long start = Stopwatch.GetTimestamp();
            await next(context).ConfigureAwait(false);
            if (context.Request.Path == AgentProtocol.Heartbeat)
            {
                handling.Record(Stopwatch.GetTimestamp() - start);
            }
        });
        app.UseRouting();
        app.MapAgentProtocol();
        app.MapPost(ResetPath, () =>
        {
            handling.Reset();
            clock.Reset();
            return Results.NoContent();
        });
        app.MapGet(StatsPath, () =>
        {
            double[] p = handling.PercentilesMs(50, 99, 100);
            return Results.Json(new ServerStats(handling.Count, clock.ElapsedSeconds, p[0], p[1], p[2], clock.CpuSeconds,
                Environment.WorkingSet, GC.GetGCMemoryInfo().HeapSizeBytes, GC.CollectionCount(2)), ServerStats.Json);
        });
        return app;
    }

    /// <summary>Wall and CPU time of this process since the last reset.</summary>
    private sealed class Clock
    {
        private long _start = Stopwatch.GetTimestamp();
        private TimeSpan _cpu = Environment.CpuUsage.TotalTime;

        public double ElapsedSeconds => Stopwatch.GetElapsedTime(_start).TotalSeconds;

        public double CpuSeconds => (Environment.CpuUsage.TotalTime - _cpu).TotalSeconds;

        public void Reset()
        {
            _start = Stopwatch.GetTimestamp();
            _cpu = Environment.CpuUsage.TotalTime;
        }
    }
}
