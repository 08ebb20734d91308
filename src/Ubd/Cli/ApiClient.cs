using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ubd.Api;

namespace Ubd.Cli;

/// <summary>
/// The CLI's view of the API: JSON in, JSON out, problems turned into <see cref="ApiException"/>.
/// Results stay <see cref="JsonElement"/>: the CLI prints what the server said, so the two cannot
/// drift apart.
/// </summary>
internal sealed class ApiClient(HttpClient http) : IDisposable
{
    public Task<JsonElement> Get(string path) => Send(HttpMethod.Get, path, null);

    public Task<JsonElement> Post(string path, object? body = null) => Send(HttpMethod.Post, path, body ?? new { });

    public Task<JsonElement> Patch(string path, object body) => Send(HttpMethod.Patch, path, body);

    public Task<JsonElement> Delete(string path) => Send(HttpMethod.Delete, path, null);

    public async Task<JsonElement> Send(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, ApiEndpoints.Prefix + path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }
        using HttpResponseMessage response = await http.SendAsync(request).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Problem((int)response.StatusCode, text);
        }
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Starts a task (the POST answers 202 with it) and waits for its end, reporting progress.</summary>
    public async Task<JsonElement> RunTask(string path, object body, string label, bool quiet)
    {
        JsonElement task = await Post(path, body).ConfigureAwait(false);
        string id = task.GetProperty("id").GetString()!;
        long total = task.GetProperty("total").GetInt64();
        JsonElement final = await Output.WithProgressAsync(label, total, quiet, async progress =>
        {
            while (true)
            {
                JsonElement state = await Get($"/tasks/{id}").ConfigureAwait(false);
                progress?.Report(state.GetProperty("done").GetInt64());
                if (state.GetProperty("state").GetString() != "running")
                {
                    return state;
                }
                await Task.Delay(150).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        if (final.GetProperty("state").GetString() == "failed")
        {
            throw new ApiException(final.GetProperty("errorStatus").GetInt32(), final.Str("errorTitle"), $"{label} failed: {final.GetProperty("error").GetString()}");
        }
        return final.GetProperty("result");
    }

    /// <summary>A plain-text resource (logs).</summary>
    public async Task<string> Text(string path)
    {
        using HttpResponseMessage response = await http.GetAsync(ApiEndpoints.Prefix + path).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return response.IsSuccessStatusCode ? text : throw Problem((int)response.StatusCode, text);
    }

    /// <summary>Sends a file as the raw body (release tarballs), streamed rather than buffered.</summary>
    public async Task<JsonElement> Upload(string path, string file, string contentType)
    {
        await using FileStream stream = File.OpenRead(file);
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiEndpoints.Prefix + path) { Content = new StreamContent(stream) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using HttpResponseMessage response = await http.SendAsync(request).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : throw Problem((int)response.StatusCode, text);
    }

    /// <summary>Follows a director task (the 202 answer of a deploy, delete or errand) until it ends,
    /// printing its steps on a terminal; a task that failed or was cancelled becomes an <see cref="ApiException"/>.</summary>
    public async Task<JsonElement> FollowDirectorTask(JsonElement task, string label, bool quiet)
    {
        long id = task.GetProperty("id").GetInt64();
        int shown = 0;
        bool paused = false;
        JsonElement final = await Output.WithProgressAsync(label, 100, quiet, async progress =>
        {
            while (true)
            {
                JsonElement state = await Get($"/director/tasks/{id}").ConfigureAwait(false);
                JsonElement[] events = [.. state.GetProperty("events").EnumerateArray()];
                foreach (JsonElement e in events.Skip(shown))
                {
                    if (e.GetProperty("total").GetInt32() > 0)
                    {
                        progress?.Report(100L * e.GetProperty("progress").GetInt32() / e.GetProperty("total").GetInt32());
                    }
                    if (!quiet && Console.IsOutputRedirected)
                    {
                        Console.Error.WriteLine($"  {e.Str("stage")}: {e.Str("message")}");
                    }
                }
                shown = events.Length;
                // A paused task waits for an operator: say so on a terminal too, where steps are not printed.
                bool nowPaused = state.GetProperty("state").GetString() == "Paused";
                if (nowPaused && !paused && !quiet && !Console.IsOutputRedirected && events.LastOrDefault(e => e.Str("stage") == "paused") is { ValueKind: JsonValueKind.Object } why)
                {
                    Console.Error.WriteLine($"\npaused: {why.Str("message")}");
                }
                paused = nowPaused;
                if (state.GetProperty("state").GetString() is "Done" or "Error" or "Cancelled")
                {
                    return state;
                }
                await Task.Delay(250).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        string ended = final.GetProperty("state").GetString()!.ToLowerInvariant();
        if (ended != "done")
        {
            throw new ApiException(ended == "cancelled" ? 409 : 500, ended, $"{label} {(ended == "cancelled" ? "was cancelled" : "failed")} (task {id}): {final.Str("error")}");
        }
        return final;
    }

    public static void Authorize(HttpClient http, string token) =>
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    private static ApiException Problem(int status, string body)
    {
        try
        {
            JsonElement problem = JsonDocument.Parse(body).RootElement;
            string title = problem.TryGetProperty("title", out JsonElement t) ? t.GetString() ?? "" : "";
            string detail = problem.TryGetProperty("detail", out JsonElement d) ? d.GetString() ?? title : title;
            return new ApiException(status, title, detail);
        }
        catch (JsonException)
        {
            return new ApiException(status, "error", $"the server answered {status}: {body}");
        }
    }

    public void Dispose() => http.Dispose();
}
