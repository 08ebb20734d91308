using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ubd.Tests;

public sealed class ApiTests : IDisposable
{
    private readonly ApiFactory _api = new();

    public void Dispose() => _api.Dispose();

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Requests_without_a_token_get_401_and_change_nothing()
    {
        HttpResponseMessage response = await _api.Client(null).PostAsJsonAsync("/api/v1/leaves", new { name = "n1", parent = "base" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("ubd token create", (await Json(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client("ubd_not-a-token").GetAsync("/api/v1/layers")).StatusCode);
        Assert.Null(_api.Tree.Layers.Find("n1"));
    }

    [Fact]
    public async Task A_read_only_token_reads_but_writing_gets_403()
    {
        HttpClient reader = _api.Client(_api.ReaderToken);
        JsonElement layers = await Json(await reader.GetAsync("/api/v1/layers"));
        Assert.Equal("base@1", layers[0].GetProperty("name").GetString());
        HttpResponseMessage write = await reader.PostAsJsonAsync("/api/v1/leaves", new { name = "n1", parent = "base" });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Null(_api.Tree.Layers.Find("n1"));
    }

    [Fact]
    public async Task An_operator_creates_leaves_branches_and_reads_them_back()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        HttpResponseMessage created = await ops.PostAsJsonAsync("/api/v1/leaves", new { name = "n1", parent = "base" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("base@1", (await Json(created)).GetProperty("parent").GetString());
        Assert.Equal(HttpStatusCode.Created, (await ops.PostAsJsonAsync("/api/v1/branches", new { lineage = "web", parent = "base@1" })).StatusCode);
        JsonElement web = await Json(await ops.GetAsync("/api/v1/layers/web"));
        Assert.Equal("web@1", web.GetProperty("name").GetString());
        Assert.Equal("branch", web.GetProperty("kind").GetString());
        HttpResponseMessage patched = await ops.PatchAsJsonAsync("/api/v1/layers/web@1", new { labels = new { channel = "stable" }, @protected = true });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        HttpResponseMessage refused = await ops.DeleteAsync("/api/v1/layers/web@1");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("protected", (await Json(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("..%2Fescape")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("x@1")]
    public async Task Bad_names_get_a_clear_400_and_change_nothing(string name)
    {
        int before = _api.Tree.Layers.Layers.Count;
        HttpResponseMessage response = await _api.Client(_api.OperatorToken).PostAsJsonAsync("/api/v1/leaves", new { name, parent = "base" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await Json(response)).GetProperty("detail").GetString()));
        Assert.Equal(before, _api.Tree.Layers.Layers.Count);
    }

    [Fact]
    public async Task Unknown_parents_cycles_malformed_and_huge_bodies_are_refused()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        Assert.Equal(HttpStatusCode.NotFound, (await ops.PostAsJsonAsync("/api/v1/leaves", new { name = "n1", parent = "nope" })).StatusCode);
        await ops.PostAsJsonAsync("/api/v1/branches", new { lineage = "web", parent = "base" });
        await ops.PostAsJsonAsync("/api/v1/branches", new { lineage = "app", parent = "web@1" });
        HttpResponseMessage cycle = await ops.PostAsJsonAsync("/api/v1/layers/web@1/refresh", new { to = "app@1" });
        Assert.Equal(HttpStatusCode.BadRequest, cycle.StatusCode);
        Assert.Contains("cycle", (await Json(cycle)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        HttpResponseMessage malformed = await ops.PostAsync("/api/v1/leaves", new StringContent("{\"name\": 12", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        string huge = "{\"name\":\"" + new string('a', 200_000) + "\",\"parent\":\"base\"}";
        HttpResponseMessage tooBig = await ops.PostAsync("/api/v1/leaves", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal(3, _api.Tree.Layers.Layers.Count); // base@1, web@1, app@1 — and nothing else
    }

    [Fact]
    public async Task Long_operations_run_as_tasks_with_progress_events_and_a_result()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        string output = Path.Combine(_api.Scratch, "flat.raw");
        HttpResponseMessage accepted = await ops.PostAsJsonAsync("/api/v1/layers/base/export", new { path = output, format = "Raw" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string location = accepted.Headers.Location!.ToString();
        string events = await ops.GetStringAsync(location + "/events");
        Assert.Contains("event: done", events, StringComparison.Ordinal);
        JsonElement task = await Json(await ops.GetAsync(location));
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Equal(File.ReadAllBytes(_api.ImagePath), File.ReadAllBytes(output));
        HttpResponseMessage failing = await ops.PostAsJsonAsync("/api/v1/images", new { lineage = "base", path = "/nonexistent/image.raw" });
        string failedLocation = failing.Headers.Location!.ToString();
        await ops.GetStringAsync(failedLocation + "/events");
        JsonElement failed = await Json(await ops.GetAsync(failedLocation));
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Contains("no image file", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_finishes_after_the_client_that_started_it_is_gone()
    {
        string output = Path.Combine(_api.Scratch, "after-disconnect.raw");
        string location;
        using (HttpClient starter = _api.Client(_api.OperatorToken))
        {
            HttpResponseMessage accepted = await starter.PostAsJsonAsync("/api/v1/layers/base/export", new { path = output });
            location = accepted.Headers.Location!.ToString();
        }
        HttpClient other = _api.Client(_api.ReaderToken);
        JsonElement task = default;
        for (int i = 0; i < 200; i++)
        {
            task = await Json(await other.GetAsync(location));
            if (task.GetProperty("state").GetString() != "running")
            {
                break;
            }
            await Task.Delay(50);
        }
        Assert.Equal("succeeded", task.GetProperty("state").GetString());
        Assert.Equal(1L << 20, new FileInfo(output).Length);
    }

    [Fact]
    public async Task The_server_serves_its_OpenAPI_document()
    {
        JsonElement document = await Json(await _api.Client(null).GetAsync("/openapi/v1.json"));
        JsonElement paths = document.GetProperty("paths");
        foreach (string path in new[] { "/api/v1/layers", "/api/v1/leaves", "/api/v1/images", "/api/v1/diff", "/api/v1/reconcile", "/api/v1/tasks/{id}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
    }
}
