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

            // Fold n1 into the group's next edition, then export n2 flat and compare with what it serves.
            JsonElement folded = JsonDocument.Parse((await Ubd(["leaf", "reconcile", "n1", "--json", .. remote])).Ok().Stdout).RootElement;
            Assert.Equal("web@3", folded.GetProperty("name").GetString());
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
