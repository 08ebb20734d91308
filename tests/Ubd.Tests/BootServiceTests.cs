using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ubd.Tests;

/// <summary>The boot service as iPXE sees it: scripts by MAC, registration, settings, files with ranges.</summary>
public sealed class BootServiceTests : IDisposable
{
    private readonly ApiFactory _api = new(withBoot: true);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task The_entry_script_chains_to_the_node_script_by_MAC_without_a_token()
    {
        string script = await _api.Client(null).GetStringAsync("/boot/ipxe");
        Assert.StartsWith("#!ipxe\n", script, StringComparison.Ordinal);
        Assert.Contains("chain http://10.0.2.2:8479/boot/node/${net0/mac}", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_MAC_registers_and_gets_its_own_leaf_and_nbdroot()
    {
        HttpClient anonymous = _api.Client(null);
        string script = await anonymous.GetStringAsync("/boot/node/52:54:00:AA:BB:01");
        Assert.Contains("kernel http://10.0.2.2:8479/boot/files/vmlinuz console=ttyS0 quiet nbdroot=10.0.2.2:10809/node-525400aabb01", script, StringComparison.Ordinal);
        Assert.Contains("initrd http://10.0.2.2:8479/boot/files/initrd.img", script, StringComparison.Ordinal);
        Assert.Equal("base@1", _api.Tree.Describe(_api.Tree.Resolve("node-525400aabb01")).Parent);
        await anonymous.GetStringAsync("/boot/node/52-54-00-aa-bb-01"); // the same node, another spelling
        JsonElement node = JsonDocument.Parse(await _api.Client(_api.ReaderToken).GetStringAsync("/api/v1/nodes/52:54:00:aa:bb:01")).RootElement;
        Assert.Equal(2, node.GetProperty("boots").GetInt32());
        Assert.Equal("node-525400aabb01", node.GetProperty("leaf").GetString());
        Assert.Single(_api.Tree.List(UnionBlock.Store.LayerKind.Leaf));
    }

    [Fact]
    public async Task A_bad_MAC_gets_a_script_that_says_why_and_registers_nothing()
    {
        string script = await _api.Client(null).GetStringAsync("/boot/node/not-a-mac");
        Assert.Contains("cannot boot this node", script, StringComparison.Ordinal);
        Assert.Empty(_api.Tree.Nodes());
    }

    [Fact]
    public async Task Group_and_node_settings_reach_the_kernel_command_line_and_the_edition_moves_at_boot()
    {
        HttpClient ops = _api.Client(_api.OperatorToken);
        HttpClient anonymous = _api.Client(null);
        await anonymous.GetStringAsync("/boot/node/52:54:00:aa:bb:02");
        _api.Tree.Import("base", _api.ImagePath, ImageTree.Operations.ImageFormat.Raw, "base@1", allowEmpty: true); // an identical edition is enough to watch the move
        Assert.Equal(HttpStatusCode.OK, (await ops.PutAsJsonAsync("/api/v1/boot-groups/base", new { kernelArgs = "loglevel=3", edition = "base@2" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.PatchAsJsonAsync("/api/v1/nodes/52:54:00:aa:bb:02", new { kernelArgs = "role=web" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ops.PatchAsJsonAsync("/api/v1/nodes/52:54:00:aa:bb:02", new { kernelArgs = "$(reboot)" })).StatusCode);
        string script = await anonymous.GetStringAsync("/boot/node/52:54:00:aa:bb:02");
        Assert.Contains("nbdroot=10.0.2.2:10809/node-525400aabb02 loglevel=3 role=web", script, StringComparison.Ordinal);
        Assert.Equal("base@2", _api.Tree.Describe(_api.Tree.Resolve("node-525400aabb02")).Parent);
    }

    [Fact]
    public async Task Kernel_and_initramfs_are_served_with_range_requests()
    {
        HttpClient anonymous = _api.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/boot/files/vmlinuz");
        request.Headers.Range = new RangeHeaderValue(1000, 1009);
        HttpResponseMessage partial = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        byte[] body = await partial.Content.ReadAsByteArrayAsync();
        Assert.Equal(Enumerable.Range(1000, 10).Select(i => (byte)i).ToArray(), body);
        Assert.Equal(10_000, (await anonymous.GetByteArrayAsync("/boot/files/vmlinuz")).Length);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/boot/files/..%2Fdata")).StatusCode);
    }
}
