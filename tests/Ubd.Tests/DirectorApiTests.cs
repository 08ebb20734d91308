using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ubd.Tests;

/// <summary>The director's operator routes over HTTP, through the composition `ubd serve` uses: deploy
/// and plan with problem+json for invalid manifests, releases, director tasks, and token roles.</summary>
public sealed class DirectorApiTests : IDisposable
{
    private readonly ApiFactory _api = new(withBoot: true, withDirector: true);

    public void Dispose() => _api.Dispose();

    private const string Manifest = """
        name: demo
        releases:
          - { name: demo, version: latest }
        stemcells:
          - { alias: default, edition: base }
        instance_groups:
          - name: web
            instances: 1
            stemcell: default
            jobs:
              - { name: backend, release: demo }
        """;

    [Fact]
    public async Task An_invalid_manifest_is_a_422_problem_with_positioned_errors_and_changes_nothing()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        await UploadAsync(ops);
        string before = Snapshot();
        string invalid = Manifest.Replace("    stemcell: default", "    colour: blue\n    stemcell: default", StringComparison.Ordinal);
        foreach (string route in new[] { "/api/v1/deployments", "/api/v1/deployments/plan" })
        {
            HttpResponseMessage response = await ops.PostAsJsonAsync(route, new { manifest = invalid, file = "bad.yml" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            JsonElement error = Assert.Single(problem.RootElement.GetProperty("errors").EnumerateArray());
            Assert.Equal("bad.yml", error.GetProperty("file").GetString());
            Assert.Equal(9, error.GetProperty("line").GetInt32());
            Assert.Equal(5, error.GetProperty("column").GetInt32());
            Assert.Contains("colour", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(before, Snapshot());
        Assert.Equal("[]", await ops.GetStringAsync("/api/v1/deployments"));
        Assert.Equal("[]", await ops.GetStringAsync("/api/v1/director/tasks"));
    }

    [Fact]
    public async Task A_plan_over_HTTP_shows_every_instance_and_the_shortfall_and_stores_nothing()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        await UploadAsync(ops);
        string before = Snapshot();
        HttpResponseMessage response = await ops.PostAsJsonAsync("/api/v1/deployments/plan", new { manifest = Manifest });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument plan = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("demo", plan.RootElement.GetProperty("deployment").GetString());
        JsonElement change = Assert.Single(plan.RootElement.GetProperty("changes").EnumerateArray());
        Assert.Equal(("web", 0, "Create"), (change.GetProperty("group").GetString(), change.GetProperty("index").GetInt32(), change.GetProperty("action").GetString()));
        Assert.Equal(JsonValueKind.Null, change.GetProperty("node").ValueKind);
        JsonElement shortfall = Assert.Single(plan.RootElement.GetProperty("shortfalls").EnumerateArray());
        Assert.Equal(1, shortfall.GetProperty("missing").GetInt32());
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task A_release_uploads_as_a_gzip_body_lists_and_the_same_bytes_again_change_nothing()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        byte[] tarball = DemoRelease.Tarball(_api.Scratch);
        for (int i = 0; i < 2; i++)
        {
            HttpResponseMessage response = await ops.PostAsync("/api/v1/releases", Gzip(tarball));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using JsonDocument uploaded = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(("demo", "1"), (uploaded.RootElement.GetProperty("name").GetString(), uploaded.RootElement.GetProperty("version").GetString()));
        }
        using JsonDocument list = JsonDocument.Parse(await _api.Client(_api.ReaderToken).GetStringAsync("/api/v1/releases"));
        JsonElement release = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal(["backend", "web"], release.GetProperty("jobs").EnumerateArray().Select(j => j.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, (await ops.PostAsync("/api/v1/releases", Gzip([1, 2, 3]))).StatusCode);
    }

    [Fact]
    public async Task Director_tasks_list_show_and_cancel()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        await UploadAsync(ops);
        HttpResponseMessage accepted = await ops.PostAsJsonAsync("/api/v1/deployments", new { manifest = Manifest });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        long id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/director/tasks/{id}", accepted.Headers.Location?.OriginalString);

        // No node is booted: the deploy waits for one (pxe), so it is still running when cancelled.
        await WaitForAsync(ops, id, task => task.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("stage").GetString() == "nodes"));
        using (JsonDocument list = JsonDocument.Parse(await ops.GetStringAsync("/api/v1/director/tasks?deployment=demo")))
        {
            JsonElement listed = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal((id, "Processing"), (listed.GetProperty("id").GetInt64(), listed.GetProperty("state").GetString()));
        }
        Assert.Equal(HttpStatusCode.Accepted, (await ops.PostAsync($"/api/v1/director/tasks/{id}/cancel", null)).StatusCode);
        JsonElement cancelled = await WaitForAsync(ops, id, task => task.GetProperty("state").GetString() == "Cancelled");
        Assert.NotNull(cancelled.GetProperty("endedAt").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsync($"/api/v1/director/tasks/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/api/v1/director/tasks/999999")).StatusCode);
    }

    [Fact]
    public async Task A_task_s_events_stream_until_it_ends()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        await UploadAsync(ops);
        HttpResponseMessage accepted = await ops.PostAsJsonAsync("/api/v1/deployments", new { manifest = Manifest });
        long id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await WaitForAsync(ops, id, task => task.GetProperty("events").GetArrayLength() > 0);
        using HttpResponseMessage stream = await ops.GetAsync($"/api/v1/director/tasks/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        Task<string> body = stream.Content.ReadAsStringAsync();
        Assert.False(body.IsCompleted);
        Assert.Equal(HttpStatusCode.Accepted, (await ops.PostAsync($"/api/v1/director/tasks/{id}/cancel", null)).StatusCode);
        string events = await body.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("event: step\ndata: ", events, StringComparison.Ordinal);
        string done = events[events.LastIndexOf("event: done\ndata: ", StringComparison.Ordinal)..];
        Assert.Contains("\"state\":\"Cancelled\"", done, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/api/v1/director/tasks/999999/events")).StatusCode);
    }

    [Fact]
    public async Task A_read_only_token_reads_the_director_but_cannot_deploy()
    {
        await UploadAsync(_api.Client(_api.OperatorToken));
        HttpClient reader = _api.Client(_api.ReaderToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/v1/deployments", new { manifest = Manifest })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/api/v1/releases", Gzip(DemoRelease.Tarball(_api.Scratch)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/deployments")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).PostAsJsonAsync("/api/v1/deployments", new { manifest = Manifest })).StatusCode);
        Assert.Empty(_api.Director!.Context.Store.Tasks());
    }

    private async Task UploadAsync(HttpClient ops)
    {
        HttpResponseMessage response = await ops.PostAsync("/api/v1/releases", Gzip(DemoRelease.Tarball(_api.Scratch)));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static ByteArrayContent Gzip(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return content;
    }

    /// <summary>Every key and value of the director's store.</summary>
    private string Snapshot() =>
        string.Join("\n", _api.Director!.Context.Store.Raw.Scan([]).Select(e => Convert.ToHexString(e.Key) + "=" + Convert.ToHexString(e.Value)));

    private static async Task<JsonElement> WaitForAsync(HttpClient client, long id, Func<JsonElement, bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            JsonElement task = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/director/tasks/{id}")).RootElement;
            if (condition(task))
            {
                return task;
            }
            Assert.True(DateTime.UtcNow < deadline, $"task {id} never got there: {task}");
            await Task.Delay(20);
        }
    }
}
