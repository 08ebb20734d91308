using System.Text.Json;

namespace Interop.Tests;

/// <summary>`ubd image send` / `receive` through the real CLI between two data directories: the copy
/// exports the same bytes, and a damaged stream exits 5 with nothing published.</summary>
public sealed class StreamCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubstream-" + Guid.NewGuid().ToString("N")[..10]);

    public StreamCliTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string In(string name) => Path.Combine(_directory, name);

    private static Task<Tools.Result> Ubd(params string[] arguments) => Tools.RunAsync(Tools.Ubd, arguments);

    private string Image(string name, int seed, int patchedBlocks)
    {
        string path = In(name);
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, 16L << 20);
        byte[] data = new byte[1 << 20];
        new Random(3).NextBytes(data);
        RandomAccess.Write(file, data, 1L << 20);
        byte[] patch = new byte[patchedBlocks * 4096];
        new Random(seed).NextBytes(patch);
        RandomAccess.Write(file, patch, 9L << 20);
        return path;
    }

    [Fact]
    public async Task A_sent_lineage_received_elsewhere_exports_the_same_bytes()
    {
        string a = In("a"), b = In("b");
        (await Ubd("image", "import", Image("v1.raw", 1, 0), "--name", "base", "--data", a)).Ok();
        (await Ubd("image", "import", Image("v2.raw", 2, 30), "--name", "base", "--delta-over", "base@1", "--data", a)).Ok();
        (await Ubd("image", "send", "base@1", "--output", In("full.ubs"), "--data", a)).Ok();
        JsonElement sent = JsonDocument.Parse((await Ubd("image", "send", "base", "--since", "base@1", "--output", In("inc.ubs"), "--data", a, "--json")).Ok().Stdout).RootElement;
        Assert.Equal(30, sent.GetProperty("dataBlocks").GetInt64());
        Assert.True(new FileInfo(In("inc.ubs")).Length < new FileInfo(In("full.ubs")).Length, "an incremental stream carries only the changes");

        (await Ubd("image", "receive", In("full.ubs"), "--data", b)).Ok();
        JsonElement received = JsonDocument.Parse((await Ubd("image", "receive", In("inc.ubs"), "--data", b, "--json")).Ok().Stdout).RootElement;
        Assert.Equal(("base@2", sent.GetProperty("digest").GetString()), (received.GetProperty("layer").GetProperty("name").GetString(), received.GetProperty("digest").GetString()));

        (await Ubd("export", "base@2", "--output", In("copy.raw"), "--data", b)).Ok();
        Assert.Equal(File.ReadAllBytes(In("v2.raw")), File.ReadAllBytes(In("copy.raw")));
    }

    [Fact]
    public async Task A_damaged_stream_exits_5_and_publishes_nothing()
    {
        (await Ubd("image", "import", Image("v1.raw", 1, 0), "--name", "base", "--data", In("a"))).Ok();
        (await Ubd("image", "send", "base@1", "--output", In("full.ubs"), "--data", In("a"))).Ok();
        byte[] stream = File.ReadAllBytes(In("full.ubs"));
        stream[stream.Length / 2] ^= 0x20;
        File.WriteAllBytes(In("bad.ubs"), stream);

        Tools.Result result = await Ubd("image", "receive", In("bad.ubs"), "--data", In("b"));
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("checksum", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains("no layers yet", (await Ubd("image", "list", "--data", In("b"))).Ok().Stdout, StringComparison.Ordinal);
    }
}
