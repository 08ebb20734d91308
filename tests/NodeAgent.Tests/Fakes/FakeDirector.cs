using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using DeployDirector.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Tests.Fakes;

/// <summary>
/// The director's five agent routes on 127.0.0.1:0, recording everything the agent sends: a test
/// queues commands and blobs, then waits on what comes back. <see cref="Unresponsive"/> makes every
/// route answer 503 (the director is gone); <see cref="ConflictOnce"/> answers one heartbeat with 409.
/// </summary>
public sealed class FakeDirector : IAsyncDisposable
{
    public const string Credential = "node-secret";

    private readonly WebApplication _app;
    private readonly Channel<AgentCommand> _commands = Channel.CreateUnbounded<AgentCommand>();
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<AgentRegistration> _registrations = new();
    private readonly ConcurrentQueue<(TimeSpan At, AgentHeartbeat Heartbeat)> _heartbeats = new();
    private readonly ConcurrentDictionary<string, CommandResult> _results = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _unauthorized;

    private FakeDirector(WebApplication app) => _app = app;

    public int HeartbeatIntervalMs { get; set; } = 200;

    public int LeaseMs { get; set; } = 10_000;

    /// <summary>The interval heartbeat answers name (null: they name none and the registration's holds).</summary>
    public int? AckHeartbeatIntervalMs { get; set; }

    public volatile bool Unresponsive;

    /// <summary>Heartbeats alone get 503 (commands still flow): the lease lapses while the agent works.</summary>
    public volatile bool HeartbeatsFail;

    public volatile bool ConflictOnce;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<AgentRegistration> Registrations => [.. _registrations];

    public IReadOnlyList<(TimeSpan At, AgentHeartbeat Heartbeat)> Heartbeats => [.. _heartbeats];

    /// <summary>For failure messages: how many heartbeats came and how long ago the last one did (a
    /// state that stopped changing is told apart from heartbeats that stopped coming).</summary>
    public string HeartbeatSummary() =>
        Heartbeats is { Count: > 0 } all ? $"{all.Count} heartbeats, the last {(_clock.Elapsed - all[^1].At).TotalMilliseconds:0} ms ago (sequence {all[^1].Heartbeat.Sequence})" : "no heartbeat yet";

    public int Unauthorized => _unauthorized;

    /// <summary>Time on the clock heartbeats are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public static async Task<FakeDirector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var director = new FakeDirector(app);
        director.Map(app);
        await app.StartAsync();
        director.Address = new Uri(app.Urls.First());
        return director;
    }

    public void Enqueue(AgentCommand command) => _commands.Writer.TryWrite(command);

    /// <summary>Serves <paramref name="archive"/> under its SHA-256 (or under <paramref name="sha256"/> to lie about it).</summary>
    public string AddBlob(byte[] archive, string? sha256 = null)
    {
        var name = sha256 ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive));
        _blobs[name] = archive;
        return name;
    }

    public CommandResult? ResultOf(string commandId) => _results.GetValueOrDefault(commandId);

    /// <summary>Sends <paramref name="command"/> and waits for its result.</summary>
    public async Task<CommandResult> RunAsync(AgentCommand command, TimeSpan? timeout = null)
    {
        Enqueue(command);
        return await Eventually.ValueAsync(() => ResultOf(command.Id), timeout ?? TimeSpan.FromSeconds(30), $"the result of {command.Kind} {command.Id}");
    }

    /// <summary>The newest reported state of an instance in a heartbeat.</summary>
    public InstanceState? LatestState(string instanceId) =>
        Heartbeats.Count == 0 ? null : Heartbeats[^1].Heartbeat.Instances.FirstOrDefault(state => state.Instance.Id == instanceId);

    public async ValueTask DisposeAsync()
    {
        _commands.Writer.TryComplete();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {Credential}")
            {
                Interlocked.Increment(ref _unauthorized);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            if (Unresponsive || HeartbeatsFail && context.Request.Path == AgentProtocol.Heartbeat)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await next(context);
        });

        app.MapPost(AgentProtocol.Register, async (HttpContext context) =>
        {
            var registration = await JsonSerializer.DeserializeAsync(context.Request.Body, AgentJson.Default.AgentRegistration);
            _registrations.Enqueue(registration!);
            return Results.Json(new RegistrationAck("node-" + registration!.Mac, HeartbeatIntervalMs, LeaseMs), AgentJson.Default.RegistrationAck);
        });

        app.MapPost(AgentProtocol.Heartbeat, async (HttpContext context) =>
        {
            var heartbeat = await JsonSerializer.DeserializeAsync(context.Request.Body, AgentJson.Default.AgentHeartbeat);
            if (ConflictOnce)
            {
                ConflictOnce = false;
                return Results.StatusCode(StatusCodes.Status409Conflict);
            }

            _heartbeats.Enqueue((_clock.Elapsed, heartbeat!));
            return Results.Json(new HeartbeatAck(LeaseMs, false, AckHeartbeatIntervalMs), AgentJson.Default.HeartbeatAck);
        });

        app.MapGet(AgentProtocol.Commands, async (HttpContext context, int waitMs) =>
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            wait.CancelAfter(Math.Min(waitMs, 1000));
            var batch = new List<AgentCommand>();
            try
            {
                if (await _commands.Reader.WaitToReadAsync(wait.Token))
                {
                    while (_commands.Reader.TryRead(out var command))
                    {
                        batch.Add(command);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Nothing came within the wait: an empty answer.
            }

            return Results.Json(batch.ToArray(), AgentJson.Default.AgentCommandArray);
        });

        app.MapPost(AgentProtocol.Results, async (HttpContext context) =>
        {
            var result = await JsonSerializer.DeserializeAsync(context.Request.Body, AgentJson.Default.CommandResult);
            _results[result!.CommandId] = result;
            return Results.NoContent();
        });

        app.MapGet(AgentProtocol.Blobs + "/{sha256}", (string sha256) =>
            _blobs.TryGetValue(sha256, out var blob) ? Results.Bytes(blob, "application/gzip") : Results.NotFound());
    }
}
