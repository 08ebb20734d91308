using System.Text.Json;

namespace Interop.Tests;

/// <summary>The `ubd` command line as scripts use it: help, JSON output, errors and exit codes.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubcli-" + Guid.NewGuid().ToString("N")[..10]);

    public CliTests() => Directory.CreateDirectory(_directory);

    private string Data => Path.Combine(_directory, "data");

    private string Image()
    {
        string path = Path.Combine(_directory, "root.img");
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, 8L << 20);
        byte[] data = new byte[65536];
        new Random(3).NextBytes(data);
        RandomAccess.Write(file, data, 1L << 20);
        return path;
    }

    private static Task<Tools.Result> Ubd(params string[] arguments) => Tools.RunAsync(Tools.Ubd, arguments);

    [Fact]
    public async Task Help_lists_every_command_and_succeeds()
    {
        Tools.Result help = (await Ubd("--help")).Ok();
        foreach (string command in new[] { "serve", "image", "leaf", "branch", "layer", "export", "task", "events", "attachment", "token", "node" })
        {
            Assert.Contains(command, help.Stdout, StringComparison.Ordinal);
        }
        Assert.Contains("--auto-leaf", (await Ubd("serve", "--help")).Ok().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_point_to_help()
    {
        Tools.Result result = await Ubd("leaf", "create", "--name", "x", "--parent", "base");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--data", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_create_list_freeze_and_compact_speak_json()
    {
        JsonElement imported = JsonDocument.Parse((await Ubd("image", "import", "--data", Data, "--name", "base@1", "--json", Image())).Ok().Stdout).RootElement;
        Assert.Equal(8L << 20, imported.GetProperty("imageBytes").GetInt64());
        Assert.Equal(65536, imported.GetProperty("storedBytes").GetInt64());
        (await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "base@1")).Ok();
        JsonElement leaves = JsonDocument.Parse((await Ubd("leaf", "list", "--data", Data, "--json")).Ok().Stdout).RootElement;
        JsonElement leaf = Assert.Single(leaves.EnumerateArray());
        Assert.Equal("n1", leaf.GetProperty("name").GetString());
        Assert.Equal("base@1", leaf.GetProperty("parent").GetString());
        Assert.Equal("leaf", leaf.GetProperty("kind").GetString());

        JsonElement branch = JsonDocument.Parse((await Ubd("leaf", "freeze", "n1", "--into", "g", "--data", Data, "--json")).Ok().Stdout).RootElement;
        Assert.Equal("g@1", branch.GetProperty("name").GetString());
        JsonElement all = JsonDocument.Parse((await Ubd("image", "list", "--data", Data, "--json")).Ok().Stdout).RootElement;
        Assert.Equal("g@1", all.EnumerateArray().Single(l => l.GetProperty("name").GetString() == "n1").GetProperty("parent").GetString());
        JsonElement compacted = JsonDocument.Parse((await Ubd("leaf", "compact", "n1", "--data", Data, "--json")).Ok().Stdout).RootElement;
        Assert.True(compacted.GetProperty("bytesAfter").GetInt64() <= compacted.GetProperty("bytesBefore").GetInt64());
    }

    [Fact]
    public async Task A_missing_layer_exits_3_and_says_where_to_look()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        Tools.Result result = await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "nope");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no layer or lineage named 'nope'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("list", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_name_is_refused_with_the_rule()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        Tools.Result result = await Ubd("leaf", "create", "--data", Data, "--name", "../escape", "--parent", "base");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("letters, digits", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_directory_held_by_a_server_exits_4()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        await using var server = new UbdServer(Data);
        await server.StartAsync();
        Tools.Result result = await Ubd("leaf", "list", "--data", Data);
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("in use", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_to_qcow2_compares_equal_to_the_served_disk()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        (await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "base")).Ok();
        string qcow2 = Path.Combine(_directory, "n1.qcow2");
        (await Ubd("export", "n1", "--data", Data, "--output", qcow2, "--format", "qcow2")).Ok();
        Assert.Contains("qcow2", (await Tools.RunAsync("qemu-img", "info", qcow2)).Ok().Stdout, StringComparison.Ordinal);
        await using var server = new UbdServer(Data);
        await server.StartAsync();
        (await Tools.RunAsync("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2, server.Uri("n1"))).Ok();
    }

    [Fact]
    public async Task A_qcow2_image_imports_through_qemu_img()
    {
        string qcow2 = Path.Combine(_directory, "src.qcow2");
        (await Tools.RunAsync("qemu-img", "convert", "-f", "raw", "-O", "qcow2", Image(), qcow2)).Ok();
        JsonElement imported = JsonDocument.Parse((await Ubd("image", "import", "--data", Data, "--name", "base", "--json", qcow2)).Ok().Stdout).RootElement;
        Assert.Equal(8L << 20, imported.GetProperty("imageBytes").GetInt64());
        Assert.Equal(65536, imported.GetProperty("storedBytes").GetInt64());
    }

    [Fact]
    public async Task Damaged_layer_files_exit_5_with_the_reason()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        string bitmap = Directory.GetFiles(Data, "root.alloc", SearchOption.AllDirectories).Single();
        byte[] bytes = await File.ReadAllBytesAsync(bitmap);
        bytes[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(bitmap, bytes);
        Tools.Result result = await Ubd("export", "base", "--data", Data, "--output", Path.Combine(_directory, "x.raw"));
        Assert.Equal(5, result.ExitCode);
        Assert.Contains("damaged", result.Stderr, StringComparison.Ordinal);
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
