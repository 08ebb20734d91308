using System.Diagnostics;

namespace DirectorBench.NodeTable;

/// <summary>
/// The live node table under heartbeat load: <c>nodes</c> nodes, <c>rate</c> updates a second spread
/// evenly (open loop, one writer, as the heartbeat handler does per beat) for <c>seconds</c>, each
/// update timed; then updates back to back for a second (the ceiling); then a restart: close, open
/// again, read every node back. <see cref="INodeTable.Tick"/> runs once a second throughout.
/// </summary>
internal static class NodeTableBench
{
    public static IReadOnlyList<Func<string, int, INodeTable>> Stores { get; } =
    [
        (_, nodes) => new DictionaryNodeTable(nodes),
        (directory, _) => new FasterNodeTable(directory),
        (directory, _) => new RocksNodeTable(directory),
    ];

    public static NodeTableResult Run(Func<string, int, INodeTable> open, int nodes, int rate, double seconds)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("ubd-node-table-bench-");
        try
        {
            using INodeTable table = open(directory.FullName, nodes);
            long[] sequences = new long[nodes];
            for (int i = 0; i < nodes; i++)
            {
                table.Update(i, new NodeBeat(Stopwatch.GetTimestamp(), ++sequences[i], 0.1));
            }
            var latencies = new LatencyRecorder((int)(rate * seconds) + 1);
            TimeSpan cpu = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            long end = start + (long)(seconds * Stopwatch.Frequency);
            double ticksPerUpdate = Stopwatch.Frequency / (double)rate;
            long nextTick = start + Stopwatch.Frequency;
            long k = 0;
            for (long now = start; now < end; now = Stopwatch.GetTimestamp())
            {
                for (long due = start + (long)(k * ticksPerUpdate); due <= now && due < end; due = start + (long)(++k * ticksPerUpdate))
                {
                    int node = (int)(k % nodes);
                    long before = Stopwatch.GetTimestamp();
                    table.Update(node, new NodeBeat(before, ++sequences[node], 0.1 + node % 7 * 0.1));
                    latencies.Record(Stopwatch.GetTimestamp() - before);
                }
                if (now >= nextTick)
                {
                    table.Tick();
                    nextTick += Stopwatch.Frequency;
                }
                Thread.Sleep(1);
            }
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double cpuPerSecond = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds / elapsed;
            double[] p = latencies.PercentilesMs(50, 99, 100);
            double burst = Burst(table, sequences);
            long reopening = Stopwatch.GetTimestamp();
            bool persisted = table.Reopen();
            int recovered = 0;
            long lost = 0;
            for (int i = 0; i < nodes && persisted; i++)
            {
                if (table.Read(i) is { } beat)
                {
                    recovered++;
                    lost = Math.Max(lost, sequences[i] - beat.Sequence);
                }
            }
            double recovery = persisted ? Stopwatch.GetElapsedTime(reopening).TotalSeconds : double.NaN;
            long disk = directory.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            return new NodeTableResult(table.Name, k / seconds, p[0] * 1000, p[1] * 1000, p[2] * 1000, cpuPerSecond, burst, recovery, recovered, persisted ? lost : -1, disk);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Updates back to back for a second, ticking as the paced loop does: the store's ceiling.</summary>
    private static double Burst(INodeTable table, long[] sequences)
    {
        long start = Stopwatch.GetTimestamp();
        long end = start + Stopwatch.Frequency;
        long nextTick = start + Stopwatch.Frequency / 2;
        long count = 0;
        while (true)
        {
            for (int i = 0; i < 1000; i++, count++)
            {
                int node = (int)(count % sequences.Length);
                table.Update(node, new NodeBeat(Stopwatch.GetTimestamp(), ++sequences[node], 0.2));
            }
            long now = Stopwatch.GetTimestamp();
            if (now >= nextTick)
            {
                table.Tick();
                nextTick += Stopwatch.Frequency;
            }
            if (now >= end)
            {
                return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
    }
}
