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

        JsonElement branch = JsonDocument.Parse((await Ubd("leaf", "freeze", "n1", "--into", "g", "--allow-empty", "--data", Data, "--json")).Ok().Stdout).RootElement;
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
        Assert.Equal(2, result.ExitCode);
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

    [Fact]
    public async Task A_mistyped_command_or_option_gets_one_line_with_the_nearest_name()
    {
        Tools.Result command = await Ubd("leaf", "crate", "--name", "x", "--parent", "base", "--data", Data);
        Assert.Equal(2, command.ExitCode);
        Assert.Contains("'ubd leaf' has no command 'crate'; did you mean 'create'?", command.Stderr, StringComparison.Ordinal);
        Assert.Single(command.Stderr.Split('\n'), l => l.StartsWith("ubd: error:", StringComparison.Ordinal));

        Tools.Result option = await Ubd("leaf", "list", "--dta", Data);
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("did you mean '--data'?", option.Stderr, StringComparison.Ordinal);

        Tools.Result far = await Ubd("leaf", "zzzzzzzz");
        Assert.Contains("its commands are create, list", far.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_that_do_not_parse_or_are_out_of_range_exit_2_in_plain_words()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        Tools.Result size = await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "base", "--quota", "lots");
        Tools.Result number = await Ubd("image", "reconcile", "--data", Data, "--parent", "base", "--percent", "half");
        Tools.Result range = await Ubd("image", "reconcile", "--data", Data, "--parent", "base", "--percent", "150");

        Assert.Equal((2, 2, 2), (size.ExitCode, number.ExitCode, range.ExitCode));
        Assert.Contains("'lots' is not a size", size.Stderr, StringComparison.Ordinal);
        Assert.Contains("as a whole number", number.Stderr, StringComparison.Ordinal);
        Assert.Contains("percentage from 1 to 100", range.Stderr, StringComparison.Ordinal);
        Assert.All(new[] { size, number, range }, r => Assert.DoesNotContain("System.", r.Stderr, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sizes_take_K_M_G_T_suffixes()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        JsonElement leaf = JsonDocument.Parse((await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "base", "--quota", "20M", "--soft-quota", "1.5M", "--json")).Ok().Stdout).RootElement;
        Assert.Equal((20L << 20, 3L << 19), (leaf.GetProperty("quotaBytes").GetInt64(), leaf.GetProperty("softQuotaBytes").GetInt64()));
        JsonElement set = JsonDocument.Parse((await Ubd("layer", "set", "n1", "--data", Data, "--quota", "1GiB", "--json")).Ok().Stdout).RootElement;
        Assert.Equal(1L << 30, set.GetProperty("quotaBytes").GetInt64());
    }

    [Fact]
    public async Task With_json_an_error_is_json_on_stdout_with_its_exit_code()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        Tools.Result missing = await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "nope", "--json");
        Tools.Result usage = await Ubd("leaf", "crate", "--json");

        Assert.Equal((3, 2), (missing.ExitCode, usage.ExitCode));
        JsonElement error = JsonDocument.Parse(missing.Stdout).RootElement.GetProperty("error");
        Assert.Equal(("not found", 3), (error.GetProperty("title").GetString(), error.GetProperty("exitCode").GetInt32()));
        Assert.Contains("no layer or lineage named 'nope'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("usage", JsonDocument.Parse(usage.Stdout).RootElement.GetProperty("error").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Data_and_server_together_are_refused_instead_of_ignoring_one()
    {
        Tools.Result result = await Ubd("leaf", "list", "--data", Data, "--server", "http://127.0.0.1:1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not both", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Data));
    }

    [Fact]
    public async Task Export_picks_qcow2_for_a_qcow2_name_unless_told()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        string named = Path.Combine(_directory, "auto.qcow2");
        string raw = Path.Combine(_directory, "auto.img");
        (await Ubd("export", "base", "--data", Data, "--output", named)).Ok();
        (await Ubd("export", "base", "--data", Data, "--output", raw)).Ok();
        Assert.Contains("file format: qcow2", (await Tools.RunAsync("qemu-img", "info", named)).Ok().Stdout, StringComparison.Ordinal);
        Assert.Contains("file format: raw", (await Tools.RunAsync("qemu-img", "info", raw)).Ok().Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_says_what_would_happen_and_changes_nothing()
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        (await Ubd("leaf", "create", "--data", Data, "--name", "n1", "--parent", "base")).Ok();

        JsonElement freeze = JsonDocument.Parse((await Ubd("leaf", "freeze", "n1", "--into", "g", "--allow-empty", "--dry-run", "--json", "--data", Data)).Ok().Stdout).RootElement;
        string text = (await Ubd("layer", "flatten", "n1", "--dry-run", "--data", Data)).Ok().Stdout;
        string delete = (await Ubd("layer", "delete", "n1", "--dry-run", "--data", Data)).Ok().Stdout;

        Assert.Equal(("g@1", true), (freeze.GetProperty("publishes").GetString(), freeze.GetProperty("dryRun").GetBoolean()));
        Assert.Contains("would make n1.base", text, StringComparison.Ordinal);
        Assert.Contains("nothing changed", text, StringComparison.Ordinal);
        Assert.Contains("would delete (nothing changed) n1", delete, StringComparison.Ordinal);
        JsonElement all = JsonDocument.Parse((await Ubd("image", "list", "--data", Data, "--json")).Ok().Stdout).RootElement;
        Assert.Equal(["base@1", "n1"], all.EnumerateArray().Select(l => l.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--nbd-listen")]
    [InlineData("--http-listen")]
    public async Task A_taken_port_is_one_line_and_exit_4(string option)
    {
        (await Ubd("image", "import", "--data", Data, "--name", "base", Image())).Ok();
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        string taken = $"127.0.0.1:{((System.Net.IPEndPoint)holder.LocalEndpoint).Port}";
        string other = option == "--nbd-listen" ? "--http-listen" : "--nbd-listen";

        Tools.Result result = await Ubd("serve", "--data", Data, option, taken, other, other == "--http-listen" ? "none" : "127.0.0.1:0");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"{taken} is taken", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
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
