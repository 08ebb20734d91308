using System.Net.Http.Json;

namespace DirectorBench.Failover;

/// <summary>The bench's side of <see cref="FailoverHost"/>'s bench-only routes (a client of its own, apart
/// from the simulated nodes' pool).</summary>
internal sealed class HostClient(Uri address) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = address, Timeout = TimeSpan.FromMinutes(15) };

    /// <summary>Starts the supervisor and every deployment; returns once all are done.</summary>
    public async Task DeployAsync()
    {
        using HttpResponseMessage response = await _http.PostAsync(FailoverHost.DeployPath, null).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the failover deploy failed: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }
    }

    public async Task<HostState> StateAsync() =>
        await _http.GetFromJsonAsync<HostState>(FailoverHost.StatePath, HostState.Json).ConfigureAwait(false) ?? throw new InvalidOperationException("no state");

    /// <summary>The supervisor's events from the <paramref name="from"/>-th on.</summary>
    public async Task<HostEvent[]> EventsAsync(int from) =>
        await _http.GetFromJsonAsync<HostEvent[]>($"{FailoverHost.EventsPath}?from={from}", HostState.Json).ConfigureAwait(false) ?? [];

    public async Task<HostUsage> UsageAsync() =>
        await _http.GetFromJsonAsync<HostUsage>(FailoverHost.UsagePath, HostState.Json).ConfigureAwait(false) ?? throw new InvalidOperationException("no usage");

    public void Dispose() => _http.Dispose();
}
