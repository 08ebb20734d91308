using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DeployDirector.Contracts;

namespace Ubd.Tests;

/// <summary>
/// The agent protocol over HTTP with the director on: the boot script hands each boot of a node the
/// director's address, the node's name and a fresh credential; that credential (and nothing else,
/// not an operator token) opens that node's agent routes, and the next boot's replaces it.
/// </summary>
public sealed partial class AgentApiTests : IDisposable
{
    private const string Mac = "52:54:00:aa:cc:01";
    private const string OtherMac = "52:54:00:aa:cc:02";

    private readonly ApiFactory _api = new(withBoot: true, withDirector: true);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task The_boot_script_carries_the_director_the_credential_and_the_node()
    {
        string script = await _api.Client(null).GetStringAsync($"/boot/node/{Mac}");
        Assert.Contains($"{AgentProtocol.DirectorArgument}=http://10.0.2.2:8479 ", script, StringComparison.Ordinal);
        Assert.Contains($"{AgentProtocol.NodeArgument}={Mac}", script, StringComparison.Ordinal);
        Assert.Matches(CredentialPattern(), script);
        Assert.Equal(Mac, _api.Director!.Context.Nodes.Authenticate(Credential(script)));
    }

    [Fact]
    public async Task Agent_routes_refuse_a_missing_or_wrong_credential_and_operator_tokens()
    {
        await BootAsync(Mac);
        foreach (HttpClient client in new[] { _api.Client(null), _api.Client("not-a-credential"), _api.Client(_api.OperatorToken) })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync(AgentProtocol.Register, Registration(Mac, "boot-1"), AgentJson.Default.AgentRegistration)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync(AgentProtocol.Heartbeat, Beat("boot-1"), AgentJson.Default.AgentHeartbeat)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"{AgentProtocol.Commands}?waitMs=0")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"{AgentProtocol.Blobs}/{new string('0', 64)}")).StatusCode);
        }
        Assert.Null(_api.Director!.Context.Hub.Find(Mac));
    }

    [Fact]
    public async Task A_credential_opens_only_its_own_node_and_a_heartbeat_for_an_unknown_boot_is_409()
    {
        string credential = await BootAsync(Mac);
        await BootAsync(OtherMac);
        HttpClient agent = _api.Client(credential);
        HttpResponseMessage foreign = await agent.PostAsJsonAsync(AgentProtocol.Register, Registration(OtherMac, "boot-1"), AgentJson.Default.AgentRegistration);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Null(_api.Director!.Context.Hub.Find(OtherMac));

        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsJsonAsync(AgentProtocol.Heartbeat, Beat("boot-1"), AgentJson.Default.AgentHeartbeat)).StatusCode);
        HttpResponseMessage registered = await agent.PostAsJsonAsync(AgentProtocol.Register, Registration(Mac, "boot-1"), AgentJson.Default.AgentRegistration);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(Mac, (await registered.Content.ReadFromJsonAsync(AgentJson.Default.RegistrationAck))!.NodeId);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync(AgentProtocol.Heartbeat, Beat("boot-1"), AgentJson.Default.AgentHeartbeat)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostAsJsonAsync(AgentProtocol.Heartbeat, Beat("boot-2"), AgentJson.Default.AgentHeartbeat)).StatusCode);
        Assert.Equal("[]", await agent.GetStringAsync($"{AgentProtocol.Commands}?waitMs=0&bootId=boot-1"));
        Assert.Equal(HttpStatusCode.Conflict, (await agent.GetAsync($"{AgentProtocol.Commands}?waitMs=0&bootId=boot-2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{AgentProtocol.Blobs}/{new string('0', 64)}")).StatusCode);
    }

    [Fact]
    public async Task The_next_boot_s_credential_replaces_the_previous_one()
    {
        string first = await BootAsync(Mac);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(first).PostAsJsonAsync(AgentProtocol.Register, Registration(Mac, "boot-1"), AgentJson.Default.AgentRegistration)).StatusCode);
        string second = await BootAsync(Mac);
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client(first).PostAsJsonAsync(AgentProtocol.Register, Registration(Mac, "boot-2"), AgentJson.Default.AgentRegistration)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.Client(second).PostAsJsonAsync(AgentProtocol.Register, Registration(Mac, "boot-2"), AgentJson.Default.AgentRegistration)).StatusCode);
        Assert.Equal("boot-2", _api.Director!.Context.Hub.Find(Mac)!.BootId);
    }

    private async Task<string> BootAsync(string mac) => Credential(await _api.Client(null).GetStringAsync($"/boot/node/{mac}"));

    private static string Credential(string script) => CredentialPattern().Match(script).Groups[1].Value;

    private static AgentRegistration Registration(string mac, string bootId) => new()
    {
        Mac = mac,
        BootId = bootId,
        AgentVersion = "test",
        Address = "10.0.2.15",
        Cores = 2,
        MemoryBytes = 1L << 30,
    };

    private static AgentHeartbeat Beat(string bootId) => new() { BootId = bootId, Sequence = 1, Load = new LoadReport(0.1, 2, 1 << 20, 1L << 30, null) };

    [GeneratedRegex(@"ubd\.credential=([A-Za-z0-9_-]+)")]
    private static partial Regex CredentialPattern();
}
