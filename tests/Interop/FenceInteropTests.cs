using System.Diagnostics;
using System.Text.Json;

namespace Interop.Tests;

/// <summary>
/// Fencing on the storage path with real clients against the real `ubd serve`: two nodes registered
/// by the boot service hold open nbdsh sessions on their leaves; fencing one cuts its session at
/// once and makes nbdinfo on its leaf hear why, leaves the other node's session alone, survives a
/// server restart, and unfencing lets the node's disk serve again.
/// </summary>
public sealed class FenceInteropTests : IDisposable
{
    private const string Fenced = "52:54:00:00:00:01", Other = "52:54:00:00:00:02";
    private const string FencedLeaf = "node-525400000001", OtherLeaf = "node-525400000002";
    private const long Spot = 2L << 20; // zeros in the root image: what a node writes there is easy to tell
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubfence-" + Guid.NewGuid().ToString("N")[..10]);

    public FenceInteropTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Data => Path.Combine(_directory, "data");

    private static Task<Tools.Result> Ubd(params string[] arguments) => Tools.RunAsync(Tools.Ubd, arguments);

    [Fact]
    public async Task A_fenced_node_is_cut_off_its_leaf_until_unfenced_and_other_nodes_go_on()
    {
        await using UbdServer server = await StartAsync();
        await RegisterAsync(server, Fenced);
        await RegisterAsync(server, Other);
        string[] remote = ["--server", server.HttpUrl, "--token-file", Path.Combine(_directory, "ops.token")];

        await using var fencedNode = await NbdSession.OpenAsync(server.Uri(FencedLeaf));
        await using var otherNode = await NbdSession.OpenAsync(server.Uri(OtherLeaf));
        Assert.Equal("ok", await fencedNode.WriteAsync(Spot, 0x5a));
        Assert.Equal("ok", await otherNode.WriteAsync(Spot, 0x6b));

        Tools.Result fence = (await Ubd(["node", "fence", Fenced, "--reason", "missed heartbeats in test", .. remote])).Ok();
        Assert.Contains($"{Fenced}: fenced (missed heartbeats in test)", fence.Stdout, StringComparison.Ordinal);

        // The open session is cut: its next request fails, and nothing it sends lands on the disk.
        Assert.StartsWith("error", await fencedNode.WriteAsync(Spot + 4096, 0xa5), StringComparison.Ordinal);
        Assert.Equal("ok", await otherNode.WriteAsync(Spot + 4096, 0x6c));

        await AssertRefusedAsync(server);
        Tools.Result list = (await Ubd(["node", "list", .. remote])).Ok();
        Assert.Contains("yes: missed heartbeats in test", list.Stdout, StringComparison.Ordinal);
        JsonElement nodes = JsonDocument.Parse((await Ubd(["node", "list", "--json", .. remote])).Ok().Stdout).RootElement;
        Assert.Equal(
            [(Fenced, "missed heartbeats in test"), (Other, "-")],
            nodes.EnumerateArray().Select(n => (n.GetProperty("mac").GetString()!, n.GetProperty("fence") is { ValueKind: JsonValueKind.Object } f ? f.GetProperty("reason").GetString()! : "-")));

        // A restart keeps the fence.
        await server.StopAsync();
        await server.StartAsync();
        await AssertRefusedAsync(server);
        Assert.Equal("ok", await otherNode.ReconnectAndWriteAsync(server.Uri(OtherLeaf), Spot + 8192, 0x6d));

        Tools.Result unfence = (await Ubd(["node", "unfence", Fenced, .. remote])).Ok();
        Assert.Contains($"{Fenced}: not fenced", unfence.Stdout, StringComparison.Ordinal);
        Tools.Result info = (await Tools.RunAsync("nbdinfo", server.Uri(FencedLeaf))).Ok();
        Assert.Contains("export-size", info.Stdout, StringComparison.Ordinal);
        // What the node wrote before the fence is there; the write it tried once fenced is not.
        (await Tools.RunAsync("nbdsh", "-u", server.Uri(FencedLeaf), "-c",
            $"assert h.pread(4096, {Spot}) == b'\\x5a' * 4096\nassert h.pread(4096, {Spot + 4096}) == bytes(4096)")).Ok();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", $"write -P 0x77 {Spot + 4096} 4k", "-c", "flush", server.Uri(FencedLeaf))).Ok();
        Assert.Equal("ok", await otherNode.WriteAsync(Spot, 0x6e));
    }

    /// <summary>libnbd reports ERR_POLICY as "Operation not supported" and shows the server's
    /// message in its debug output; qemu's client prints the message itself.</summary>
    private static async Task AssertRefusedAsync(UbdServer server)
    {
        string why = $"node {Fenced} is fenced by the director (missed heartbeats in test)";
        Tools.Result refused = await Tools.RunAsync("env", "LIBNBD_DEBUG=1", "nbdinfo", server.Uri(FencedLeaf));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(refused.Stderr.Contains("Operation not supported", StringComparison.Ordinal) && refused.Stderr.Contains(why, StringComparison.Ordinal), refused.Stderr);
        Tools.Result write = await Tools.RunAsync("qemu-io", "-f", "raw", "-c", $"write -P 0x11 {Spot} 4k", server.Uri(FencedLeaf));
        Assert.True(write.Stderr.Contains(why, StringComparison.Ordinal) && !write.Stdout.Contains("wrote", StringComparison.Ordinal), write.Stdout + write.Stderr);
        (await Tools.RunAsync("nbdinfo", server.Uri(OtherLeaf))).Ok();
    }

    private async Task<UbdServer> StartAsync()
    {
        string image = Path.Combine(_directory, "base.img");
        using (var file = new FileStream(image, FileMode.Create))
        {
            file.SetLength(8L << 20);
            byte[] data = new byte[1 << 20];
            new Random(7).NextBytes(data);
            file.Write(data);
        }
        (await Ubd("image", "import", image, "--name", "base", "--data", Data)).Ok();
        string token = (await Ubd("token", "create", "ops", "--role", "Operator", "--data", Data)).Ok().Stdout.Trim();
        await File.WriteAllTextAsync(Path.Combine(_directory, "ops.token"), token);
        // The boot service registers nodes as PXE does; the kernel and initramfs are never booted here.
        string boot = Path.Combine(_directory, "boot");
        Directory.CreateDirectory(boot);
        await File.WriteAllTextAsync(Path.Combine(boot, "vmlinuz"), "kernel");
        await File.WriteAllTextAsync(Path.Combine(boot, "initrd.img"), "initramfs");
        var server = new UbdServer(Data, autoLeaf: null) { ExtraArguments = ["--boot-files", boot, "--boot-edition", "base"] };
        await server.StartAsync();
        return server;
    }

    private static async Task RegisterAsync(UbdServer server, string mac)
    {
        using var http = new HttpClient();
        string script = await http.GetStringAsync($"{server.HttpUrl}/boot/node/{mac}");
        Assert.Contains("nbdroot=", script, StringComparison.Ordinal);
    }

    /// <summary>A long-lived nbdsh connected to one export, writing when told; it answers each
    /// command with "ok" or "error: …" on its own line.</summary>
    private sealed class NbdSession : IAsyncDisposable
    {
        private const string Script = """
            import sys
            print("connected", flush=True)
            for line in sys.stdin:
                words = line.split()
                try:
                    if words[0] == "connect":
                        h = nbd.NBD()
                        h.connect_uri(words[1])
                    else:
                        h.pwrite(bytes([int(words[2])]) * 4096, int(words[1]))
                        h.flush()
                    print("ok", flush=True)
                except nbd.Error as e:
                    print("error: " + str(e).replace("\n", " "), flush=True)
            """;

        private readonly Process _process;

        private NbdSession(Process process) => _process = process;

        public static async Task<NbdSession> OpenAsync(string uri)
        {
            Process process = Process.Start(Tools.StartInfo("nbdsh", ["-u", uri, "-c", Script]))!;
            _ = process.StandardError.ReadToEndAsync();
            var session = new NbdSession(process);
            Assert.Equal("connected", await session.ReadLineAsync());
            return session;
        }

        public Task<string> WriteAsync(long offset, byte value) => CommandAsync($"write {offset} {value}");

        /// <summary>After a server restart: a node's client reconnects, as nbd-client does.</summary>
        public async Task<string> ReconnectAndWriteAsync(string uri, long offset, byte value)
        {
            string connected = await CommandAsync($"connect {uri}");
            return connected == "ok" ? await WriteAsync(offset, value) : connected;
        }

        private async Task<string> CommandAsync(string command)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            return await ReadLineAsync();
        }

        private async Task<string> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _process.StandardOutput.ReadLineAsync(timeout.Token) ?? "error: nbdsh exited";
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
            _process.Dispose();
        }
    }
}
