using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DeployDirector.Contracts;

namespace DirectorBench.Failover;

/// <summary>
/// One simulated node for the failover bench, speaking the real agent protocol over HTTP to the
/// director in its own process: it registers with the credential its boot was given, long-polls (30 s,
/// the protocol's longest wait), answers commands like the real agent (prepare downloads the archive
/// blob and checks its SHA-256; apply and start move the instance through its phases; update_group is
/// acknowledged; stale epochs are refused), posts their results, and reports its instances in the
/// heartbeat the fleet sends for it once a second. A start shows as running only in the next heartbeat,
/// as with a real agent. <see cref="Kill"/> stops its heartbeats, drops its poll, answers nothing more.
/// </summary>
internal sealed class SimAgent(SimConnections http, string mac, string credential, string address)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly AuthenticationHeaderValue _authorization = new("Bearer", credential);
    private readonly ConcurrentDictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _reported = new(StringComparer.Ordinal);
    private readonly string _bootId = Guid.NewGuid().ToString();
    private long _sequence;
    private int _beating;
    private int _errors;
    private int _timeouts;
    private const int ResultAttempts = 5;

    public string Mac { get; } = mac;

    public bool Dead => _stop.IsCancellationRequested;

    /// <summary>Stopwatch timestamp of the last heartbeat this node sent.</summary>
    public long LastBeat { get; private set; }

    /// <summary>Requests that failed other than by the node's own death or a time-out (these fail the bench).</summary>
    public int Errors => _errors;

    /// <summary>Requests the director did not answer within their time (reported, not failures of the bench).</summary>
    public int TimedOut => _timeouts;

    /// <summary>Called from a heartbeat that reports an instance running at an epoch for the first time
    /// (mac, instance id, epoch, Stopwatch timestamp of the send).</summary>
    public Action<string, string, long, long>? RunningReported { get; init; }

    public IReadOnlyCollection<InstanceState> Instances => [.. _instances.Values];

    public Task Polling { get; private set; } = Task.CompletedTask;

    public async Task BootAsync()
    {
        await RegisterAsync().ConfigureAwait(false);
        Polling = Task.Run(PollLoopAsync);
    }

    /// <summary>The node dies: no more heartbeats, its long poll is dropped, commands go unanswered.</summary>
    public void Kill() => _stop.Cancel();

    /// <summary>Sends this node's heartbeat unless it is dead or its previous one is unanswered (as the
    /// real agent, which beats from one loop); returns at once.</summary>
    public void Beat()
    {
        if (Dead || Interlocked.Exchange(ref _beating, 1) == 1)
        {
            return;
        }
        InstanceState[] instances = [.. _instances.Values];
        var beat = new AgentHeartbeat { BootId = _bootId, Sequence = ++_sequence, Load = new LoadReport(0.1, 2, 256L << 20, 1L << 30, null), Instances = instances };
        long now = Stopwatch.GetTimestamp();
        LastBeat = now;
        foreach (InstanceState state in instances)
        {
            if (state.Phase == InstancePhase.Running && (!_reported.TryGetValue(state.Instance.Id, out long epoch) || epoch < state.Instance.Epoch))
            {
                _reported[state.Instance.Id] = state.Instance.Epoch;
                RunningReported?.Invoke(Mac, state.Instance.Id, state.Instance.Epoch, now);
            }
        }
        _ = SendBeatAsync(beat);
    }

    /// <summary>Heartbeats answered more than a second after they were sent (Stopwatch timestamp of the
    /// send, seconds): the director's intake falling behind, as its nodes see it.</summary>
    public static readonly ConcurrentQueue<(long SentAt, double Seconds)> LateBeats = new();

    private async Task SendBeatAsync(AgentHeartbeat beat)
    {
        long sent = Stopwatch.GetTimestamp();
        try
        {
            using HttpResponseMessage response = await SendAsync(http.Beats, HttpMethod.Post, AgentProtocol.Heartbeat, Body(beat, AgentJson.Default.AgentHeartbeat), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await RegisterAsync().ConfigureAwait(false);
            }
            else
            {
                Check(response);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Failed(e, "heartbeat");
        }
        finally
        {
            double took = Stopwatch.GetElapsedTime(sent).TotalSeconds;
            if (took > 1)
            {
                LateBeats.Enqueue((sent, took));
            }
            Volatile.Write(ref _beating, 0);
        }
    }

    private async Task RegisterAsync()
    {
        var registration = new AgentRegistration
        {
            Mac = Mac,
            BootId = _bootId,
            AgentVersion = "bench",
            Address = address,
            Cores = 2,
            MemoryBytes = 1L << 30,
            Instances = [.. _instances.Values],
        };
        using HttpResponseMessage response = await SendAsync(http.Work, HttpMethod.Post, AgentProtocol.Register, Body(registration, AgentJson.Default.AgentRegistration), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        Check(response);
    }

    private async Task PollLoopAsync()
    {
        while (!Dead)
        {
            AgentCommand[] commands;
            try
            {
                using HttpResponseMessage response = await SendAsync(http.Polls, HttpMethod.Get, $"{AgentProtocol.Commands}?waitMs={AgentProtocol.MaxWaitMs}&bootId={_bootId}", null,
                    TimeSpan.FromMilliseconds(AgentProtocol.MaxWaitMs) + TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    await RegisterAsync().ConfigureAwait(false);
                    continue;
                }
                Check(response);
                commands = await response.Content.ReadFromJsonAsync(AgentJson.Default.AgentCommandArray, _stop.Token).ConfigureAwait(false) ?? [];
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                if (Dead)
                {
                    return;
                }
                Failed(e, "poll");
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            foreach (AgentCommand command in commands)
            {
                _ = Task.Run(() => AnswerAsync(command));
            }
        }
    }

    private async Task AnswerAsync(AgentCommand command)
    {
        CommandResult result;
        try
        {
            result = await RunAsync(command).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Failed(e, command.Kind);
            return;
        }
        // As the real agent (CommandDispatcher.PostAsync): a result that does not get through is sent again
        // a few times; each failed try is counted.
        for (int attempt = 1; attempt <= ResultAttempts && !Dead; attempt++)
        {
            try
            {
                using HttpResponseMessage response = await SendAsync(http.Work, HttpMethod.Post, AgentProtocol.Results, Body(result, AgentJson.Default.CommandResult), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                Check(response);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Failed(e, command.Kind);
                await Task.Delay(TimeSpan.FromSeconds(attempt)).ConfigureAwait(false);
            }
        }
    }

    private async Task<CommandResult> RunAsync(AgentCommand command)
    {
        InstanceRef? instance = command.Instance;
        if (instance is not null && _epochs.TryGetValue(instance.Id, out long held) && instance.Epoch < held)
        {
            return Refuse(command, "stale_epoch", $"epoch {instance.Epoch} is older than {held}");
        }
        if (instance is not null)
        {
            _epochs[instance.Id] = instance.Epoch;
        }
        switch (command.Kind)
        {
            case CommandKind.Prepare:
                string sha = await DownloadAsync(command.ArchiveSha256!).ConfigureAwait(false);
                if (sha != command.ArchiveSha256)
                {
                    return Refuse(command, "bad_checksum", $"archive hash {sha}");
                }
                _instances[instance!.Id] = State(instance, command.ArchiveSha256!, InstancePhase.Prepared);
                return Ok(command);
            case CommandKind.Apply:
                string archiveSha = command.ArchiveSha256 ?? (_instances.TryGetValue(instance!.Id, out InstanceState? prepared) ? prepared.ArchiveSha256 : "");
                _instances[instance!.Id] = State(instance, archiveSha, InstancePhase.Applied);
                return Ok(command);
            case CommandKind.Start:
                if (!_instances.TryGetValue(instance!.Id, out InstanceState? applied))
                {
                    return Refuse(command, "unknown_instance", $"{instance.Id} is not applied here");
                }
                _instances[instance.Id] = State(instance, applied.ArchiveSha256, InstancePhase.Running) with
                {
                    Jobs = [new JobState("web", "running", 100, 0, true, null)],
                };
                return Ok(command);
            case CommandKind.Stop:
                if (command.Remove)
                {
                    _instances.TryRemove(instance!.Id, out _);
                }
                else if (_instances.TryGetValue(instance!.Id, out InstanceState? state))
                {
                    _instances[instance.Id] = state with { Phase = InstancePhase.Stopped };
                }
                return Ok(command);
            case CommandKind.UpdateGroup:
            case CommandKind.GetState:
                return Ok(command);
            default:
                return Refuse(command, "unknown_command", command.Kind);
        }
    }

    /// <summary>The archive blob through the node's grant, hashed as it arrives (nothing is kept).</summary>
    private async Task<string> DownloadAsync(string sha256)
    {
        using HttpResponseMessage response = await SendAsync(http.Downloads, HttpMethod.Get, $"{AgentProtocol.Blobs}/{sha256}", null, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        Check(response);
        await using Stream body = await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(body, _stop.Token).ConfigureAwait(false));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent? content, TimeSpan limit)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = _authorization;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(limit);
        return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
    }

    private static void Check(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{response.RequestMessage?.RequestUri?.AbsolutePath}: {(int)response.StatusCode}", null, response.StatusCode);
        }
    }

    /// <summary>Failed requests of live nodes by what was asked and why (the bench prints them).</summary>
    public static ConcurrentDictionary<string, int> FailureKinds { get; } = new(StringComparer.Ordinal);

    private void Failed(Exception e, string what)
    {
        if (!Dead)
        {
            Interlocked.Increment(ref e is OperationCanceledException ? ref _timeouts : ref _errors);
            string why = e is OperationCanceledException ? "timed out" : e.Message.Length > 80 ? e.Message[..80] : e.Message;
            FailureKinds.AddOrUpdate($"{what}: {why}", 1, (_, n) => n + 1);
        }
    }

    private static ByteArrayContent Body<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static InstanceState State(InstanceRef instance, string sha, string phase) => new() { Instance = instance, ArchiveSha256 = sha, Phase = phase };

    private static CommandResult Ok(AgentCommand command) => new(command.Id, true, null, null, null, null, null);

    private static CommandResult Refuse(AgentCommand command, string refusal, string error) => new(command.Id, false, refusal, error, null, null, null);
}
