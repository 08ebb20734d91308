using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using NodeAgent.Archive;
using DeployDirector.Contracts;

namespace NodeAgent.Transport;

/// <summary>
/// The agent's side of <see cref="AgentProtocol"/>: every request carries the node credential; a 409
/// becomes <see cref="ConflictException"/>; network failures are <see cref="HttpRequestException"/> or
/// a timeout for the caller's retry loop.
/// </summary>
internal sealed class DirectorClient : IDisposable
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;

    public DirectorClient(Uri director, string credential)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = s_requestTimeout })
        {
            BaseAddress = director,
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
    }

    public async Task<RegistrationAck> RegisterAsync(AgentRegistration registration, CancellationToken cancellation)
    {
        using var timeout = Timeout(cancellation, s_requestTimeout);
        using var response = await _http.PostAsync(AgentProtocol.Register, Json(registration, AgentJson.Default.AgentRegistration), timeout.Token).ConfigureAwait(false);
        await EnsureAsync(response, AgentProtocol.Register).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(AgentJson.Default.RegistrationAck, timeout.Token).ConfigureAwait(false)
            ?? throw new HttpRequestException("empty registration answer");
    }

    public async Task<HeartbeatAck> HeartbeatAsync(AgentHeartbeat heartbeat, CancellationToken cancellation)
    {
        using var timeout = Timeout(cancellation, s_requestTimeout);
        using var response = await _http.PostAsync(AgentProtocol.Heartbeat, Json(heartbeat, AgentJson.Default.AgentHeartbeat), timeout.Token).ConfigureAwait(false);
        await EnsureAsync(response, AgentProtocol.Heartbeat).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(AgentJson.Default.HeartbeatAck, timeout.Token).ConfigureAwait(false)
            ?? throw new HttpRequestException("empty heartbeat answer");
    }

    public async Task<AgentCommand[]> PollAsync(int waitMs, CancellationToken cancellation)
    {
        using var timeout = Timeout(cancellation, TimeSpan.FromMilliseconds(waitMs) + s_requestTimeout);
        using var response = await _http.GetAsync($"{AgentProtocol.Commands}?waitMs={waitMs}", timeout.Token).ConfigureAwait(false);
        await EnsureAsync(response, AgentProtocol.Commands).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(AgentJson.Default.AgentCommandArray, timeout.Token).ConfigureAwait(false) ?? [];
    }

    public async Task PostResultAsync(CommandResult result, CancellationToken cancellation)
    {
        using var timeout = Timeout(cancellation, s_requestTimeout);
        using var response = await _http.PostAsync(AgentProtocol.Results, Json(result, AgentJson.Default.CommandResult), timeout.Token).ConfigureAwait(false);
        await EnsureAsync(response, AgentProtocol.Results).ConfigureAwait(false);
    }

    /// <summary>Downloads a blob to <paramref name="path"/>, at most <paramref name="maxBytes"/>; returns its SHA-256 (hex).</summary>
    public async Task<string> DownloadAsync(string sha256, string path, long maxBytes, TimeSpan limit, CancellationToken cancellation)
    {
        using var timeout = Timeout(cancellation, limit);
        using var response = await _http.GetAsync($"{AgentProtocol.Blobs}/{Uri.EscapeDataString(sha256)}", HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        await EnsureAsync(response, AgentProtocol.Blobs).ConfigureAwait(false);
        var hash = new Sha256();
        await using var source = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        await using var target = new FileStream(path, FileMode.Create, FileAccess.Write);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new InvalidDataException($"the blob is larger than {maxBytes} bytes");
            }

            hash.Append(buffer.AsSpan(0, read));
            await target.WriteAsync(buffer.AsMemory(0, read), timeout.Token).ConfigureAwait(false);
        }

        return Convert.ToHexStringLower(hash.Finish());
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A JSON body with its length up front (no chunked upload: any HTTP server reads it).</summary>
    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellation, TimeSpan after)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        source.CancelAfter(after);
        return source;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string route)
    {
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new ConflictException(route);
        }

        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new HttpRequestException($"{route}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 200)]}", null, response.StatusCode);
        }
    }
}
