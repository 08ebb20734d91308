using DeployDirector.Providers.Qemu;
using System.Text.Json;
using Ubd.Nodes;
using Interop.Tests;

namespace EndToEnd.Tests;

/// <summary>
/// A data directory with the stem cell imported (edition stemcell@1), an operator token, and a
/// `ubd serve` with the boot service; nodes are QEMU VMs that PXE-boot from it by MAC.
/// </summary>
public sealed class BootRig : IAsyncDisposable
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubboot-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<QemuNode> _nodes = [];

    private BootRig(string stemcell)
    {
        StemCell = stemcell;
        Directory.CreateDirectory(_directory);
    }

    public string StemCell { get; }

    public string Data => Path.Combine(_directory, "data");

    public string TokenFile => Path.Combine(_directory, "token");

    public UbdServer Server { get; private set; } = null!;

    public string File(string name) => Path.Combine(_directory, name);

    public static async Task<BootRig> StartAsync(params string[] serveArguments)
    {
        string script = Path.Combine(Tools.RepoRoot, "images", "build-stemcell.sh");
        string stemcell = (await Tools.RunAsync("bash", TimeSpan.FromMinutes(10), script)).Ok().Stdout.Trim().Split('\n')[^1];
        var rig = new BootRig(stemcell);
        (await rig.Ubd("image", "import", Path.Combine(stemcell, "root.img"), "--name", "stemcell", "--data", rig.Data)).Ok();
        await System.IO.File.WriteAllTextAsync(rig.TokenFile, (await rig.Ubd("token", "create", "tests", "--role", "Operator", "--data", rig.Data)).Ok().Stdout.Trim());
        rig.Server = new UbdServer(rig.Data, autoLeaf: null)
        {
            ExtraArguments = ["--boot-files", stemcell, "--boot-edition", "stemcell", .. serveArguments],
        };
        await rig.Server.StartAsync();
        return rig;
    }

    public Task<Tools.Result> Ubd(params string[] arguments) => Tools.RunAsync(Tools.Ubd, arguments);

    /// <summary>Runs a command against the running server with the operator token.</summary>
    public Task<Tools.Result> Remote(params string[] arguments) => RemoteWithin(TimeSpan.FromMinutes(3), arguments);

    /// <summary>As <see cref="Remote"/>, for commands that wait on nodes booting (deploys).</summary>
    public Task<Tools.Result> RemoteWithin(TimeSpan timeout, params string[] arguments) =>
        Tools.RunAsync(Tools.Ubd, timeout, [.. arguments, "--server", Server.HttpUrl, "--token-file", TokenFile]);

    /// <summary>VMs the qemu provider started run detached from the server: stop them by their pids.</summary>
    private void StopProvidedMachines()
    {
        string state = Path.Combine(Data, "qemu");
        if (!Directory.Exists(state))
        {
            return;
        }
        foreach (string file in Directory.GetFiles(state, "*.json"))
        {
            QemuMachine machine = JsonSerializer.Deserialize<QemuMachine>(System.IO.File.ReadAllText(file))!;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(machine.Pid);
                process.Kill();
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    public QemuNode Boot(int number)
    {
        string boot = new UriBuilder(Server.HttpUrl) { Host = "10.0.2.2", Path = "/boot/ipxe" }.Uri.ToString();
        var node = QemuNode.Start(Mac(number), boot, File($"console-{number}-{_nodes.Count}.log"));
        _nodes.Add(node);
        return node;
    }

    public static string Mac(int number) => $"52:54:00:0e:00:{number:x2}";

    public static string Leaf(int number) => "node-" + Mac(number).Replace(":", "", StringComparison.Ordinal);

    public async Task<JsonElement> Node(int number) =>
        JsonDocument.Parse((await Remote("node", "list", "--json")).Ok().Stdout).RootElement.EnumerateArray()
            .Single(n => n.GetProperty("mac").GetString() == Mac(number));

    /// <summary>The disk a layer shows, exported flat through the API.</summary>
    public async Task<byte[]> Disk(string layer)
    {
        string output = File($"{layer}.raw");
        (await Remote("export", layer, "--output", output)).Ok();
        return await System.IO.File.ReadAllBytesAsync(output);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (QemuNode node in _nodes)
        {
            await node.DisposeAsync();
        }
        await Server.DisposeAsync();
        StopProvidedMachines();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
