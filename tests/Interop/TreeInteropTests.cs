using System.Net;
using System.Text.Json;

namespace Interop.Tests;

/// <summary>
/// The image tree through a real `ubd serve` (Kestrel on loopback) and the server-backed CLI, with
/// real NBD clients checking what nodes see: an operator's walk-through, auth, allocation depth per
/// layer, and a flat export equal to the served disk.
/// </summary>
public sealed class TreeInteropTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubtree-" + Guid.NewGuid().ToString("N")[..10]);

    public TreeInteropTests() => Directory.CreateDirectory(_directory);

    private string Data => Path.Combine(_directory, "data");

    private string File(string name) => Path.Combine(_directory, name);

    private static Task<Tools.Result> Ubd(params string[] arguments) => Tools.RunAsync(Tools.Ubd, arguments);

    private string Image(string name, int seed, Action<FileStream>? patch = null)
    {
        string path = File(name);
        using (var file = new FileStream(path, FileMode.Create))
        {
            file.SetLength(8L << 20);
            byte[] data = new byte[1 << 20];
            new Random(seed).NextBytes(data);
            file.Write(data);
            patch?.Invoke(file);
        }
        return path;
    }

    private async Task<(UbdServer Server, string Operator, string Reader)> ServeWithTokens()
    {
        string op = (await Ubd("token", "create", "ops", "--role", "Operator", "--data", Data)).Ok().Stdout.Trim();
        string reader = (await Ubd("token", "create", "viewer", "--role", "ReadOnly", "--data", Data)).Ok().Stdout.Trim();
        await System.IO.File.WriteAllTextAsync(File("ops.token"), op);
        await System.IO.File.WriteAllTextAsync(File("viewer.token"), reader);
        var server = new UbdServer(Data);
        await server.StartAsync();
        return (server, File("ops.token"), File("viewer.token"));
    }

    [Fact]
    public async Task An_operator_walks_through_the_tree_with_the_server_backed_cli()
    {
        string base1 = Image("base.img", 1);
        (await Ubd("image", "import", base1, "--name", "base", "--data", Data)).Ok();
        (UbdServer server, string ops, string viewer) = await ServeWithTokens();
        await using (server)
        {
            string[] remote = ["--server", server.HttpUrl, "--token-file", ops];
            (await Ubd(["branch", "create", "--name", "web", "--parent", "base", .. remote])).Ok();
            (await Ubd(["leaf", "create", "--name", "n1", "--parent", "web", .. remote])).Ok();
            (await Ubd(["leaf", "create", "--name", "n2", "--parent", "web", .. remote])).Ok();
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x51 2M 64k", "-c", "flush", server.Uri("n1"))).Ok();
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x52 3M 64k", "-c", "flush", server.Uri("n2"))).Ok();

            // A patched edition of the base, stored as a delta.
            string patched = Image("patched.img", 1, f =>
            {
                f.Position = 4L << 20;
                f.Write(Enumerable.Repeat((byte)0x77, 65536).ToArray());
            });
            JsonElement delta = JsonDocument.Parse((await Ubd(["image", "import", patched, "--name", "base", "--delta-over", "base@1", "--json", .. remote])).Ok().Stdout).RootElement;
            Assert.Equal("base@2", delta.GetProperty("layer").GetProperty("name").GetString());
            Assert.Equal(65536, delta.GetProperty("storedBytes").GetInt64());

            // The group's branch follows; n2 (no node attached now) follows the group.
            JsonElement refreshed = JsonDocument.Parse((await Ubd(["branch", "refresh", "web@1", "--to", "base@2", "--json", .. remote])).Ok().Stdout).RootElement;
            Assert.Equal("web@2", refreshed.GetProperty("layer").GetString());
            (await Ubd(["leaf", "refresh", "n2", "--to", "web@2", .. remote])).Ok();
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x77 4M 64k", "-c", "read -P 0x52 3M 64k", server.Uri("n2"))).Ok()
                .Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();

            JsonElement diff = JsonDocument.Parse((await Ubd(["image", "diff", "n1", "n2", "--json", .. remote])).Ok().Stdout).RootElement;
            Assert.Equal(3 * 65536, diff.GetProperty("changedBytes").GetInt64());

            // n1 still sits on web@1: folding it into web would drop web@2's patch, so it is refused
            // until n1 moves onto web@2. Then n1 folds into the group's next edition; export n2 flat
            // and compare with what it serves.
            Tools.Result stale = await Ubd(["leaf", "reconcile", "n1", .. remote]);
            Assert.Equal(1, stale.ExitCode);
            Assert.Contains("latest edition of 'web' is 'web@2'", stale.Stderr, StringComparison.Ordinal);
            (await Ubd(["leaf", "refresh", "n1", .. remote])).Ok();
            JsonElement folded = JsonDocument.Parse((await Ubd(["leaf", "reconcile", "n1", "--json", .. remote])).Ok().Stdout).RootElement;
            Assert.Equal("web@3", folded.GetProperty("name").GetString());
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x77 4M 64k", "-c", "read -P 0x51 2M 64k", server.Uri("n1"))).Ok()
                .Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
            string flat = File("n2.raw");
            (await Ubd(["export", "n2", "--output", flat, .. remote])).Ok();
            (await Tools.RunAsync("qemu-img", "compare", "-f", "raw", "-F", "raw", flat, server.Uri("n2"))).Ok();

            // Read-only tokens read; they cannot write; no token gets nothing.
            (await Ubd("image", "list", "--server", server.HttpUrl, "--token-file", viewer)).Ok();
            Tools.Result forbidden = await Ubd("leaf", "create", "--name", "n3", "--parent", "web", "--server", server.HttpUrl, "--token-file", viewer);
            Assert.Equal(1, forbidden.ExitCode);
            Assert.Contains("read-only", forbidden.Stderr, StringComparison.Ordinal);
            using var anonymous = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(server.HttpUrl + "/api/v1/layers")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(server.HttpUrl + "/openapi/v1.json")).StatusCode);
            // The hint for a missing token works while the server runs (it does not send the operator to --data).
            Tools.Result tokenless = await Ubd("leaf", "list", "--server", server.HttpUrl);
            Assert.Contains("pass --token-file FILE or set UBD_TOKEN", tokenless.Stderr, StringComparison.Ordinal);
            Assert.Contains("only while no server runs on it", tokenless.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Allocation_depth_shows_which_layer_of_a_deep_chain_holds_each_extent()
    {
        (await Ubd("image", "import", Image("base.img", 2), "--name", "base", "--data", Data)).Ok();
        (await Ubd("leaf", "create", "--name", "setup", "--parent", "base", "--data", Data)).Ok();
        await using (var server = new UbdServer(Data))
        {
            await server.StartAsync();
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x21 2M 1M", "-c", "flush", server.Uri("setup"))).Ok();
        }
        (await Ubd("leaf", "freeze", "setup", "--into", "web", "--data", Data)).Ok();
        (await Ubd("leaf", "create", "--name", "n1", "--parent", "web", "--data", Data)).Ok();
        await using var served = new UbdServer(Data);
        await served.StartAsync();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x31 4M 1M", "-c", "flush", served.Uri("n1"))).Ok();
        Tools.Result map = (await Tools.RunAsync("nbdinfo", "--map=qemu:allocation-depth", "--json", served.Uri("n1"))).Ok();
        var extents = JsonDocument.Parse(map.Stdout).RootElement.EnumerateArray()
            .Select(e => (Offset: e.GetProperty("offset").GetInt64(), Length: e.GetProperty("length").GetInt64(), Depth: e.GetProperty("type").GetInt32())).ToList();
        int DepthAt(long offset) => extents.First(e => e.Offset <= offset && offset < e.Offset + e.Length).Depth;
        Assert.Equal(1, DepthAt(4L << 20));   // n1's own write
        Assert.Equal(2, DepthAt(2L << 20));   // the web@1 branch
        Assert.Equal(3, DepthAt(0));          // base@1
        Assert.Equal(0, DepthAt(6L << 20));   // a hole in every layer
    }

    public static TheoryData<string, string, bool> KillPoints => new()
    {
        { "freeze", "swap-leaf-before-commit", false },
        { "freeze", "swap-leaf-after-commit", true },
        { "import-delta", "new-layer-before-commit", false },
        { "hoist", "hoist-before-commit", false },
        { "delete", "delete-after-commit", true },
    };

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task Killing_ubd_at_a_fault_point_loses_nothing_committed(string operation, string point, bool committed)
    {
        string image = Image("base.img", 3);
        (await Ubd("image", "import", image, "--name", "base", "--data", Data)).Ok();
        (await Ubd("leaf", "create", "--name", "n1", "--parent", "base", "--data", Data)).Ok();
        (await Ubd("leaf", "create", "--name", "n2", "--parent", "base", "--data", Data)).Ok();
        (await Ubd("leaf", "create", "--name", "gone", "--parent", "base", "--data", Data)).Ok();
        await using (var server = new UbdServer(Data))
        {
            await server.StartAsync();
            foreach (string leaf in new[] { "n1", "n2" })
            {
                (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x5a 1M 64k", "-c", "flush", server.Uri(leaf))).Ok();
            }
        }
        string[] command = operation switch
        {
            "freeze" => ["leaf", "freeze", "n1", "--into", "web"],
            "import-delta" => ["image", "import", Image("patched.img", 3, f => f.Write(new byte[4096])), "--name", "base", "--delta-over", "base@1"],
            "hoist" => ["image", "reconcile", "--parent", "base@1", "--percent", "50"],
            _ => ["layer", "delete", "gone"],
        };
        Tools.Result killed = await Tools.RunAsync("env", [$"UBD_CRASH_AT={point}", Tools.Ubd, .. command, "--data", Data]);
        Assert.NotEqual(0, killed.ExitCode);

        JsonElement layers = JsonDocument.Parse((await Ubd("image", "list", "--json", "--data", Data)).Ok().Stdout).RootElement;
        string[] names = [.. layers.EnumerateArray().Select(l => l.GetProperty("name").GetString()!)];
        string created = operation switch { "freeze" => "web@1", "import-delta" => "base@2", "hoist" => "base@2", _ => "gone" };
        Assert.Equal(operation == "delete" ? !committed : committed, names.Contains(created));
        await using var restarted = new UbdServer(Data);
        await restarted.StartAsync();
        foreach (string leaf in new[] { "n1", "n2" })
        {
            (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x5a 1M 64k", "-c", "read -P 0 6M 64k", restarted.Uri(leaf))).Ok()
                .Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task A_quota_turns_into_ENOSPC_for_an_NBD_client_and_nothing_is_written()
    {
        (await Ubd("image", "import", Image("base.img", 4), "--name", "base", "--data", Data)).Ok();
        // The base references 1 MiB; the node may allocate 256 KiB more.
        (await Ubd("leaf", "create", "--name", "n1", "--parent", "base", "--quota", $"{(1 << 20) + (256 << 10)}", "--data", Data)).Ok();
        await using var server = new UbdServer(Data);
        await server.StartAsync();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 1 0 1M", "-c", "write -P 2 2M 256k", "-c", "flush", server.Uri("n1"))).Ok()
            .Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
        Tools.Result refused = await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 3 4M 64k", server.Uri("n1"));
        Assert.Contains("No space left on device", refused.Stdout + refused.Stderr, StringComparison.Ordinal);
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0 4M 64k", "-c", "read -P 2 2M 256k", server.Uri("n1"))).Ok()
            .Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
