using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeployDirector.Contracts;

namespace DirectorBench;

/// <summary>
/// Simulated agents over real HTTP: every node registers with the credential the host issued, then
/// heartbeats once a second, the nodes' beats spread evenly over each second (open loop: a beat is
/// sent when it is due, whatever the director's answers did). Like a real agent, a node whose
/// previous beat is still unanswered skips its next one. All nodes share a pool of keep-alive
/// connections (<see cref="Connections"/>), as a NAT or a proxy in front of the director would.
/// </summary>
internal sealed class HeartbeatLoad : IDisposable
{
    public const int Connections = 64;
    private static readonly LoadReport Idle = new(0.05, 2, 256L << 20, 1L << 30, null);
    private readonly HttpClient _http;
    private readonly IReadOnlyList<(string Mac, string Credential)> _nodes;
    private readonly string[] _bootIds;
    private readonly long[] _sequences;
    private readonly int[] _busy;
    private readonly LatencyRecorder _fromSchedule;
    private readonly LatencyRecorder _fromSend;
    private long _windowStart = long.MaxValue;
    private int _inFlight;
    private int _scheduled;
    private int _answered;
    private int _skipped;
    private int _errors;
    private string? _firstError;

    private HeartbeatLoad(HostProcess host, int capacity)
    {
        _nodes = host.Nodes;
        _bootIds = [.. _nodes.Select(_ => Guid.NewGuid().ToString())];
        _sequences = new long[_nodes.Count];
        _busy = new int[_nodes.Count];
        _fromSchedule = new LatencyRecorder(capacity);
        _fromSend = new LatencyRecorder(capacity);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        {
            BaseAddress = host.Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>A fresh host with <paramref name="agents"/> nodes, <paramref name="warmup"/> of beats, then
    /// <paramref name="measured"/> of beats that count.</summary>
    public static async Task<HeartbeatResult> RunAsync(int agents, TimeSpan warmup, TimeSpan measured)
    {
        int capacity = (int)(agents * (measured.TotalSeconds + 5));
        using HostProcess host = await HostProcess.StartAsync(agents, capacity).ConfigureAwait(false);
        using var load = new HeartbeatLoad(host, capacity);
        long registering = Stopwatch.GetTimestamp();
        await load.RegisterAllAsync().ConfigureAwait(false);
        double registerSeconds = Stopwatch.GetElapsedTime(registering).TotalSeconds;
        TimeSpan loadCpu = await load.BeatAsync(warmup, measured).ConfigureAwait(false);
        double loadAverage = MachineLoad.OneMinute();
        ServerStats server = await load.StatsAsync().ConfigureAwait(false);
        ServerStats idle = await load.IdleAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        double[] schedule = load._fromSchedule.PercentilesMs(50, 99);
        double[] send = load._fromSend.PercentilesMs(50, 99);
        return new HeartbeatResult(agents, measured.TotalSeconds, registerSeconds, load._scheduled, load._answered, load._skipped, load._errors, load._firstError,
            load._answered / measured.TotalSeconds, schedule[0], schedule[1], send[0], send[1],
            load._answered == 0 ? double.NaN : loadCpu.TotalSeconds / load._answered * 10_000, idle.CpuSeconds / idle.ElapsedSeconds, loadAverage, server);
    }

    /// <summary>The host's figures over <paramref name="quiet"/> after the beats stopped (every node still
    /// registered, code warm): the fixed cost inside the per-heartbeat CPU figure.</summary>
    private async Task<ServerStats> IdleAsync(TimeSpan quiet)
    {
        (await _http.PostAsync(BenchHost.ResetPath, null).ConfigureAwait(false)).Dispose();
        await Task.Delay(quiet).ConfigureAwait(false);
        return await StatsAsync().ConfigureAwait(false);
    }

    private async Task<ServerStats> StatsAsync() =>
        await _http.GetFromJsonAsync<ServerStats>(BenchHost.StatsPath, ServerStats.Json).ConfigureAwait(false) ?? throw new InvalidOperationException("the bench host sent no stats");

    private async Task RegisterAllAsync()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, _nodes.Count), new ParallelOptions { MaxDegreeOfParallelism = Connections }, async (i, cancellation) =>
        {
            var registration = new AgentRegistration
            {
                Mac = _nodes[i].Mac, BootId = _bootIds[i], AgentVersion = "bench", Address = $"10.{i >> 16 & 0xff}.{i >> 8 & 0xff}.{i & 0xff}",
                Cores = Idle.Cores, MemoryBytes = Idle.MemoryTotalBytes,
            };
            using HttpRequestMessage request = Post(AgentProtocol.Register, i, JsonSerializer.SerializeToUtf8Bytes(registration, AgentJson.Default.AgentRegistration));
            using HttpResponseMessage response = await _http.SendAsync(request, cancellation).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"registration of {_nodes[i].Mac}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false)}");
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Runs the schedule, resets the host's figures when the measured window opens, waits for the
    /// last answers; returns this process's CPU time from the window's start.</summary>
    private async Task<TimeSpan> BeatAsync(TimeSpan warmup, TimeSpan measured)
    {
        int n = _nodes.Count;
        double ticksPerBeat = Stopwatch.Frequency / (double)n;
        long start = Stopwatch.GetTimestamp();
        long windowStart = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        long windowEnd = windowStart + (long)(measured.TotalSeconds * Stopwatch.Frequency);
        Task<HttpResponseMessage>? reset = null;
        TimeSpan cpuAtStart = TimeSpan.Zero;
        for (long k = 0; ;)
        {
            long now = Stopwatch.GetTimestamp();
            if (reset is null && now >= windowStart)
            {
                Volatile.Write(ref _windowStart, windowStart);
                cpuAtStart = Environment.CpuUsage.TotalTime;
                reset = _http.PostAsync(BenchHost.ResetPath, null);
            }
            long due = start + (long)(k * ticksPerBeat);
            for (; due <= now && due < windowEnd; due = start + (long)(++k * ticksPerBeat))
            {
                Fire((int)(k % n), due);
            }
            if (due >= windowEnd)
            {
                break;
            }
            await Task.Delay(1).ConfigureAwait(false);
        }
        (await reset!.ConfigureAwait(false)).Dispose();
        long draining = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _inFlight) > 0 && Stopwatch.GetElapsedTime(draining) < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
        return Environment.CpuUsage.TotalTime - cpuAtStart;
    }

    private void Fire(int agent, long due)
    {
        bool counts = due >= Volatile.Read(ref _windowStart);
        if (counts)
        {
            Interlocked.Increment(ref _scheduled);
        }
        if (Interlocked.Exchange(ref _busy[agent], 1) == 1)
        {
            if (counts)
            {
                Interlocked.Increment(ref _skipped);
            }
            return;
        }
        Interlocked.Increment(ref _inFlight);
        _ = SendAsync(agent, due, counts);
    }

    private async Task SendAsync(int agent, long due, bool counts)
    {
        try
        {
            var beat = new AgentHeartbeat { BootId = _bootIds[agent], Sequence = ++_sequences[agent], Load = Idle };
            using HttpRequestMessage request = Post(AgentProtocol.Heartbeat, agent, JsonSerializer.SerializeToUtf8Bytes(beat, AgentJson.Default.AgentHeartbeat));
            long sent = Stopwatch.GetTimestamp();
            using HttpResponseMessage response = await _http.SendAsync(request).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            long done = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.OK || JsonSerializer.Deserialize(body, AgentJson.Default.HeartbeatAck) is null)
            {
                Fail($"heartbeat of {_nodes[agent].Mac}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            }
            else if (counts)
            {
                Interlocked.Increment(ref _answered);
                _fromSchedule.Record(done - due);
                _fromSend.Record(done - sent);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            Fail($"heartbeat of {_nodes[agent].Mac}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _busy[agent], 0);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private HttpRequestMessage Post(string path, int agent, byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _nodes[agent].Credential);
        return request;
    }

    private void Fail(string error)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _firstError, error, null);
    }

    public void Dispose() => _http.Dispose();
}
