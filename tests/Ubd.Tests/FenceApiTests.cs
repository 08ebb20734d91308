using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageTree.Tree;
using NbdServer.Connection;
using Ubd.Serving;

namespace Ubd.Tests;

/// <summary>Fencing through the HTTP API (operator role, problems that say what to do) and the
/// storage-path gate that `ubd serve` wires to the tree.</summary>
public sealed class FenceApiTests : IDisposable
{
    private const string Mac = "52:54:00:00:00:0a";
    private const string Leaf = "node-52540000000a";
    private readonly ApiFactory _api = new();

    public FenceApiTests()
    {
        _api.Tree.RegisterNode(Mac, "base");
        _api.Tree.RegisterNode("52:54:00:00:00:0b", "base");
    }

    public void Dispose() => _api.Dispose();

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task An_operator_fences_and_unfences_a_node_and_the_list_shows_it()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        HttpResponseMessage fenced = await ops.PostAsJsonAsync($"/api/v1/nodes/{Mac}/fence", new { reason = "missed heartbeats" });
        Assert.Equal(HttpStatusCode.OK, fenced.StatusCode);
        JsonElement fence = (await Json(fenced)).GetProperty("fence");
        Assert.Equal((Mac, Leaf, "missed heartbeats"), (fence.GetProperty("mac").GetString(), fence.GetProperty("leaf").GetString(), fence.GetProperty("reason").GetString()));
        Assert.NotNull(_api.Tree.FenceOf(Mac));

        // Idempotent: a second fence keeps the first one.
        JsonElement again = await Json(await ops.PostAsJsonAsync($"/api/v1/nodes/{Mac}/fence", new { reason = "other" }));
        Assert.Equal("missed heartbeats", again.GetProperty("fence").GetProperty("reason").GetString());

        JsonElement nodes = await Json(await _api.Client(_api.ReaderToken).GetAsync("/api/v1/nodes"));
        Assert.Equal([JsonValueKind.Object, JsonValueKind.Null], nodes.EnumerateArray().Select(n => n.GetProperty("fence").ValueKind));
        JsonElement fences = await Json(await _api.Client(_api.ReaderToken).GetAsync("/api/v1/fences"));
        Assert.Equal(Leaf, Assert.Single(fences.EnumerateArray()).GetProperty("leaf").GetString());

        HttpResponseMessage lifted = await ops.DeleteAsync($"/api/v1/nodes/{Mac}/fence");
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json(lifted)).GetProperty("fence").ValueKind);
        Assert.Null(_api.Tree.FenceOf(Mac));
        Assert.Equal(HttpStatusCode.OK, (await ops.DeleteAsync($"/api/v1/nodes/{Mac}/fence")).StatusCode);
    }

    [Fact]
    public async Task Without_a_reason_the_fence_says_an_operator_asked()
    {
        HttpResponseMessage fenced = await _api.Client(_api.OperatorToken).PostAsync($"/api/v1/nodes/{Mac}/fence", null);
        Assert.Equal(HttpStatusCode.OK, fenced.StatusCode);
        Assert.Equal(Api.FenceRequest.DefaultReason, _api.Tree.FenceOf(Mac)!.Reason);
    }

    [Fact]
    public async Task A_reader_cannot_fence_and_an_unknown_node_is_a_404_that_says_where_to_look()
    {
        HttpResponseMessage forbidden = await _api.Client(_api.ReaderToken).PostAsJsonAsync($"/api/v1/nodes/{Mac}/fence", new { reason = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Null(_api.Tree.FenceOf(Mac));

        HttpResponseMessage unknown = await _api.Client(_api.OperatorToken).PostAsJsonAsync("/api/v1/nodes/52:54:00:00:00:99/fence", new { reason = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Contains("ubd node list", (await Json(unknown)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        HttpResponseMessage bad = await _api.Client(_api.OperatorToken).PostAsJsonAsync($"/api/v1/nodes/{Mac}/fence", new { reason = "a\nb" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Empty(_api.Tree.Fences());
    }

    [Fact]
    public void The_gate_refuses_only_a_fenced_leaf_and_names_the_fence()
    {
        var gate = new NodeFenceGate(_api.Tree);
        Assert.Null(gate.Refusal(Leaf));
        _api.Tree.Fence(Mac, "lost its heartbeat");
        string refusal = Assert.IsType<string>(gate.Refusal(Leaf));
        Assert.Contains($"node {Mac} is fenced by the director (lost its heartbeat)", refusal, StringComparison.Ordinal);
        Assert.Contains($"ubd node unfence {Mac}", refusal, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(refusal) <= 256);
        Assert.Null(gate.Refusal("node-52540000000b"));
        Assert.Null(gate.Refusal("base@1"));
        _api.Tree.Unfence(Mac);
        Assert.Null(gate.Refusal(Leaf));
    }

    [Fact]
    public void A_fence_closes_the_connections_on_its_leaf_only_while_wired()
    {
        var gate = new NodeFenceGate(_api.Tree);
        var registry = new NbdConnectionRegistry();
        var closed = new List<string>();
        using IDisposable a = registry.Enter(Leaf, reason => closed.Add("a: " + reason));
        using IDisposable b = registry.Enter(Leaf, reason => closed.Add("b: " + reason));
        using IDisposable other = registry.Enter("node-52540000000b", reason => closed.Add("other: " + reason));
        using (gate.CloseConnectionsOnFence(registry))
        {
            _api.Tree.Fence(Mac, "dead");
        }
        string message = NodeFenceGate.Message(_api.Tree.FenceOf(Mac)!);
        Assert.Equal(["a: " + message, "b: " + message], closed.Order());
        Assert.Equal(1, registry.Count("node-52540000000b"));

        closed.Clear();
        _api.Tree.Fence("52:54:00:00:00:0b", "dead too");
        Assert.Empty(closed);
    }

    [Fact]
    public void A_long_reason_is_shortened_in_the_message_to_the_client()
    {
        _api.Tree.Fence(Mac, new string('r', 500));
        NodeFence fence = _api.Tree.FenceOf(Mac)!;
        Assert.Equal(500, fence.Reason.Length);
        string message = NodeFenceGate.Message(fence);
        Assert.True(message.Length <= 256, message);
        Assert.Contains(new string('r', 80) + "...", message, StringComparison.Ordinal);
    }
}
