using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ubd.Tests;

/// <summary>
/// Service groups over HTTP with the director on: a one-instance group deployed onto a test agent,
/// a second idle node, and supervisor rounds driven by the test. Status, endpoints and events read
/// with the read-only token; quiesce, spares and resume need the operator's; refusals are
/// problems that say what to do.
/// </summary>
public sealed class ServiceGroupApiTests : IAsyncLifetime
{
    private const string Holder = "52:54:00:aa:dd:01";
    private const string Idle = "52:54:00:aa:dd:02";

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
            ports: { http: 8080 }
            jobs:
              - { name: backend, release: demo }
        """;

    private readonly ApiFactory _api = new(withBoot: true, withDirector: true);
    private readonly List<TestAgent> _agents = [];
    private HttpClient _ops = null!;
    private HttpClient _reader = null!;

    public async Task InitializeAsync()
    {
        _ops = _api.Client(_api.OperatorToken);
        _reader = _api.Client(_api.ReaderToken);
        var release = new ByteArrayContent(DemoRelease.Tarball(_api.Scratch));
        release.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        Assert.Equal(HttpStatusCode.OK, (await _ops.PostAsync("/api/v1/releases", release)).StatusCode);
        _agents.Add(TestAgent.Boot(_api.Director!, Holder, "10.0.2.31", "base"));
        HttpResponseMessage accepted = await _ops.PostAsJsonAsync("/api/v1/deployments", new { manifest = Manifest });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        long id = (await Json(accepted)).GetProperty("id").GetInt64();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        DeployDirector.State.DirectorTaskRecord done = await _api.Director!.Context.Tasks.WaitAsync(id, timeout.Token);
        Assert.True(done.State == DeployDirector.State.DirectorTaskState.Done, done.Error);
        _agents.Add(TestAgent.Boot(_api.Director!, Idle, "10.0.2.32", "base"));
        Round();
    }

    public async Task DisposeAsync()
    {
        foreach (TestAgent agent in _agents)
        {
            await agent.DisposeAsync();
        }
        _api.Dispose();
    }

    [Fact]
    public async Task Group_status_lists_the_member_its_node_health_and_the_group_s_endpoints()
    {
        JsonElement all = await Get(_reader, "/api/v1/groups");
        JsonElement group = Assert.Single(all.EnumerateArray());
        Assert.Equal(("demo", "web"), (group.GetProperty("deployment").GetString(), group.GetProperty("group").GetString()));
        JsonElement member = Assert.Single(group.GetProperty("members").EnumerateArray());
        Assert.Equal(("demo/web/0", Holder, "10.0.2.31", "alive", true, "running"), (member.GetProperty("instance").GetString(), member.GetProperty("node").GetString(),
            member.GetProperty("address").GetString(), member.GetProperty("health").GetString(), member.GetProperty("available").GetBoolean(), member.GetProperty("status").GetString()));
        Assert.Equal(0.25, member.GetProperty("utilization").GetDouble(), 3);
        Assert.Equal(["demo/web/0"], group.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
        Assert.False(group.GetProperty("meltdown").GetBoolean());

        Assert.Equal(all.ToString(), (await Get(_reader, "/api/v1/groups?deployment=demo")).ToString());
        Assert.Equal(group.ToString(), (await Get(_reader, "/api/v1/groups/demo/web")).ToString());
        await AssertProblemAsync(await _reader.GetAsync("/api/v1/groups?deployment=nope"), HttpStatusCode.NotFound, "ubd deploy MANIFEST");
        await AssertProblemAsync(await _reader.GetAsync("/api/v1/groups/demo/nope"), HttpStatusCode.NotFound, "'ubd group status' lists them");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(null).GetAsync("/api/v1/groups")).StatusCode);
    }

    [Fact]
    public async Task Endpoints_are_the_available_members_with_addresses_and_the_group_s_ports()
    {
        JsonElement endpoints = await Get(_reader, "/api/v1/groups/demo/web/endpoints");
        Assert.Equal(8080, endpoints.GetProperty("ports").GetProperty("http").GetInt32());
        JsonElement member = Assert.Single(endpoints.GetProperty("members").EnumerateArray());
        Assert.Equal(("demo/web/0", "10.0.2.31"), (member.GetProperty("instance").GetString(), member.GetProperty("address").GetString()));
        await AssertProblemAsync(await _reader.GetAsync("/api/v1/groups/nope/web/endpoints"), HttpStatusCode.NotFound, "ubd group status");
    }

    [Fact]
    public async Task A_quiesced_member_leaves_the_endpoints_and_comes_back_when_unquiesced()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.PostAsync($"/api/v1/stemcells/{Holder}/quiesce", null)).StatusCode);
        // Any spelling of the MAC names the same node.
        HttpResponseMessage quiesced = await _ops.PostAsync($"/api/v1/stemcells/{Holder.ToUpperInvariant().Replace(':', '-')}/quiesce", null);
        Assert.Equal(HttpStatusCode.OK, quiesced.StatusCode);
        JsonElement node = await Json(quiesced);
        Assert.Equal((Holder, true, "demo/web/0"), (node.GetProperty("mac").GetString(), node.GetProperty("quiesced").GetBoolean(), node.GetProperty("instance").GetString()));
        Round();
        JsonElement member = Assert.Single((await Get(_reader, "/api/v1/groups/demo/web")).GetProperty("members").EnumerateArray());
        Assert.True(member.GetProperty("quiesced").GetBoolean());
        Assert.False(member.GetProperty("available").GetBoolean());
        Assert.Empty((await Get(_reader, "/api/v1/groups/demo/web/endpoints")).GetProperty("members").EnumerateArray());

        HttpResponseMessage back = await _ops.DeleteAsync($"/api/v1/stemcells/{Holder}/quiesce");
        Assert.False((await Json(back)).GetProperty("quiesced").GetBoolean());
        Round();
        Assert.True(Assert.Single((await Get(_reader, "/api/v1/groups/demo/web")).GetProperty("members").EnumerateArray()).GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task An_idle_node_becomes_a_spare_and_stops_being_one()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "demo/web" })).StatusCode);
        HttpResponseMessage spare = await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "demo/web" });
        Assert.Equal(HttpStatusCode.OK, spare.StatusCode);
        Assert.Equal("demo/web", (await Json(spare)).GetProperty("spareFor").GetString());
        Assert.Equal([Idle], (await Get(_reader, "/api/v1/groups/demo/web")).GetProperty("spares").EnumerateArray().Select(s => s.GetString()));
        JsonElement listed = (await Get(_reader, "/api/v1/stemcells")).EnumerateArray().Single(n => n.GetProperty("mac").GetString() == Idle);
        Assert.Equal("demo/web", listed.GetProperty("spareFor").GetString());

        HttpResponseMessage released = await _ops.DeleteAsync($"/api/v1/stemcells/{Idle}/spare");
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json(released)).GetProperty("spareFor").ValueKind);
        Assert.Empty((await Get(_reader, "/api/v1/groups/demo/web")).GetProperty("spares").EnumerateArray());
    }

    [Fact]
    public async Task Spare_refusals_say_what_to_do()
    {
        await AssertProblemAsync(await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Holder}/spare", new { group = "demo/web" }), HttpStatusCode.Conflict, "a spare is an idle node");
        await AssertProblemAsync(await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "demo/nope" }), HttpStatusCode.NotFound, "'ubd group status' lists them");
        await AssertProblemAsync(await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "web" }), HttpStatusCode.BadRequest, "DEPLOYMENT/GROUP");
        await AssertProblemAsync(await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { }), HttpStatusCode.BadRequest, "DELETE this route");
        await AssertProblemAsync(await _ops.PutAsJsonAsync("/api/v1/stemcells/52:54:00:aa:dd:99/spare", new { group = "demo/web" }), HttpStatusCode.NotFound, "'ubd stemcell list'");
        await AssertProblemAsync(await _ops.PostAsync("/api/v1/stemcells/not-a-mac/quiesce", null), HttpStatusCode.BadRequest, "not-a-mac");
        await AssertProblemAsync(await _ops.PostAsync("/api/v1/stemcells/52:54:00:aa:dd:99/quiesce", null), HttpStatusCode.NotFound, "'ubd stemcell list'");
        Assert.Null(_api.Director!.Context.Nodes.Find(Idle)!.SpareFor);
    }

    [Fact]
    public async Task Events_list_after_a_sequence_by_group_and_within_a_limit()
    {
        await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "demo/web" });
        await _ops.PostAsync($"/api/v1/stemcells/{Idle}/quiesce", null);
        JsonElement[] all = [.. (await Get(_reader, "/api/v1/groups/events")).EnumerateArray()];
        Assert.Contains(all, e => e.GetProperty("kind").GetString() == "spare" && e.GetProperty("group").GetString() == "demo/web");
        Assert.Contains(all, e => e.GetProperty("kind").GetString() == "quiesced" && e.GetProperty("message").GetString()!.Contains(Idle, StringComparison.Ordinal));
        long[] sequences = [.. all.Select(e => e.GetProperty("sequence").GetInt64())];
        Assert.Equal(sequences.Order(), sequences);

        long first = sequences[0];
        Assert.Equal(sequences[1..], (await Get(_reader, $"/api/v1/groups/events?after={first}")).EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.Empty((await Get(_reader, $"/api/v1/groups/events?after={sequences[^1]}")).EnumerateArray());
        Assert.Single((await Get(_reader, "/api/v1/groups/events?limit=1")).EnumerateArray());
        Assert.All((await Get(_reader, "/api/v1/groups/events?group=demo/web")).EnumerateArray(), e => Assert.Equal("demo/web", e.GetProperty("group").GetString()));
        Assert.NotEmpty((await Get(_reader, "/api/v1/groups/events?group=demo")).EnumerateArray());
        Assert.Empty((await Get(_reader, "/api/v1/groups/events?group=other")).EnumerateArray());
        await AssertProblemAsync(await _reader.GetAsync("/api/v1/groups/events?limit=0"), HttpStatusCode.BadRequest, "after=");
        await AssertProblemAsync(await _reader.GetAsync($"/api/v1/groups/events?limit={DeployDirector.Api.ServiceGroupEndpoints.MaxEvents + 1}"), HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Resume_needs_an_operator_answers_the_group_and_is_recorded()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.PostAsync("/api/v1/groups/demo/web/resume", null)).StatusCode);
        HttpResponseMessage resumed = await _ops.PostAsync("/api/v1/groups/demo/web/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        JsonElement group = await Json(resumed);
        Assert.False(group.GetProperty("meltdown").GetBoolean());
        Assert.Contains((await Get(_reader, "/api/v1/groups/events?group=demo/web")).EnumerateArray(), e => e.GetProperty("kind").GetString() == "resumed");
        await AssertProblemAsync(await _ops.PostAsync("/api/v1/groups/demo/nope/resume", null), HttpStatusCode.NotFound, "ubd group status");
        Assert.DoesNotContain((await Get(_reader, "/api/v1/groups/events")).EnumerateArray(), e => e.GetProperty("group").GetString() == "demo/nope");
    }

    [Fact]
    public async Task The_CLI_prints_status_endpoints_and_events_as_tables_people_read()
    {
        await _ops.PutAsJsonAsync($"/api/v1/stemcells/{Idle}/spare", new { group = "demo/web" });
        string status = Ubd.Cli.GroupCommands.StatusText(await Get(_reader, "/api/v1/groups"));
        string[] lines = status.Split('\n');
        Assert.Equal("demo/web: leader demo/web/0", lines[0]);
        Assert.Matches(@"^INSTANCE\s+NODE\s+HEALTH\s+UTIL\s+AVAILABLE\s+EPOCH\s+STATUS$", lines[1]);
        Assert.Matches($@"^demo/web/0\s+{Holder}\s+alive\s+25%\s+yes\s+\d+\s+running$", lines[2]);
        Assert.Equal([$"spares: {Idle}", "endpoints: demo/web/0", "orphans: none", "alerts: none"], lines[3..]);

        string endpoints = Ubd.Cli.GroupCommands.EndpointsText(await Get(_reader, "/api/v1/groups/demo/web/endpoints"));
        Assert.Matches($@"^demo/web ports: http=8080\nINSTANCE\s+ADDRESS\s+NODE\s+UTIL\ndemo/web/0\s+10\.0\.2\.31\s+{Holder}\s+25%$", endpoints);

        await _ops.PostAsync($"/api/v1/stemcells/{Holder}/quiesce", null);
        Round();
        JsonElement quiesced = await Get(_reader, "/api/v1/groups/demo/web");
        Assert.Matches(@"alive \(quiesced\)\s+25%\s+no", Ubd.Cli.GroupCommands.StatusText(quiesced));
        Assert.Contains("no member takes clients now", Ubd.Cli.GroupCommands.EndpointsText(await Get(_reader, "/api/v1/groups/demo/web/endpoints")), StringComparison.Ordinal);
        Assert.Matches(@"^SEQ\s+TIME\s+GROUP\s+KIND\s+MESSAGE\n", Ubd.Cli.GroupCommands.EventsText(await Get(_reader, "/api/v1/groups/events")));
    }

    private void Round() => _api.Director!.Supervisor.RunRound();

    private static async Task<JsonElement> Get(HttpClient client, string path)
    {
        HttpResponseMessage response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await Json(response);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string hint)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(hint, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
