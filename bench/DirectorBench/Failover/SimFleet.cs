using System.Collections.Concurrent;
using System.Diagnostics;

namespace DirectorBench.Failover;

/// <summary>
/// The simulated nodes and their heartbeats, over HTTP to the failover host (<see cref="SimConnections"/>); one
/// loop sends every live node's beat once a second, the nodes spread evenly over the second (open loop,
/// as <see cref="HeartbeatLoad"/> does), and records when each instance is first reported running at
/// each epoch.
/// </summary>
internal sealed class SimFleet : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Mac, long At, long Epoch)>> _running = new(StringComparer.Ordinal);
    private readonly SimConnections _http;
    private Thread? _beats;

    public SimFleet(HostProcess host)
    {
        _http = new SimConnections(host.Address, host.Nodes.Count);
        Agents = [.. host.Nodes.Select((node, i) => new SimAgent(_http, node.Mac, node.Credential, $"10.{i >> 16 & 0xff}.{i >> 8 & 0xff}.{i & 0xff}")
        {
            RunningReported = (mac, id, epoch, at) => _running.GetOrAdd(id, _ => new()).Enqueue((mac, at, epoch)),
        })];
        ByMac = Agents.ToDictionary(a => a.Mac, StringComparer.Ordinal);
    }

    public IReadOnlyList<SimAgent> Agents { get; }

    public IReadOnlyDictionary<string, SimAgent> ByMac { get; }

    /// <summary>Requests that failed on live nodes.</summary>
    public int Errors => Agents.Sum(a => a.Errors);

    /// <summary>Requests of live nodes that the director did not answer in time.</summary>
    public int TimedOut => Agents.Sum(a => a.TimedOut);

    /// <summary>Registers every node (a few hundred at a time), starts their long polls and the beats.</summary>
    public async Task StartAsync()
    {
        await Parallel.ForEachAsync(Agents, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (agent, _) => await agent.BootAsync().ConfigureAwait(false)).ConfigureAwait(false);
        // A thread of its own: the nodes' clocks do not wait for the thread pool.
        _beats = new Thread(BeatLoop) { IsBackground = true, Name = "simulated heartbeats" };
        _beats.Start();
    }

    /// <summary>When instance <paramref name="id"/> was first reported running at an epoch above
    /// <paramref name="after"/> on a node other than <paramref name="notOn"/>.</summary>
    public (string Mac, long At, long Epoch)? RunningElsewhere(string id, long after, string notOn)
    {
        (string Mac, long At, long Epoch)? first = null;
        foreach ((string Mac, long At, long Epoch) report in _running.TryGetValue(id, out var reports) ? reports : [])
        {
            if (report.Epoch > after && report.Mac != notOn && (first is null || report.At < first.Value.At))
            {
                first = report;
            }
        }
        return first;
    }

    private void BeatLoop()
    {
        int n = Agents.Count;
        double ticksPerBeat = Stopwatch.Frequency / (double)n;
        long start = Stopwatch.GetTimestamp();
        for (long k = 0; !_stop.IsCancellationRequested;)
        {
            long now = Stopwatch.GetTimestamp();
            for (long due = start + (long)(k * ticksPerBeat); due <= now; due = start + (long)(++k * ticksPerBeat))
            {
                Agents[(int)(k % n)].Beat();
            }
            Thread.Sleep(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _beats?.Join();
        foreach (SimAgent agent in Agents)
        {
            agent.Kill();
        }
        await Task.WhenAll(Agents.Select(a => a.Polling)).ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }
}
