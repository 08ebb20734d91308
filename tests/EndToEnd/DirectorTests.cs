using System.Net.Sockets;
using System.Text.Json;
using Interop.Tests;

namespace EndToEnd.Tests;

/// <summary>
/// The director with real nodes: `ubd serve --provider qemu` starts three emulated stem cells that
/// PXE-boot, their agents (the NativeAOT binary baked into the root) register, and a manifest with
/// two instance groups (the shipped examples/manifests/demo.yml) deploys the demo release's jobs
/// (busybox httpd pages). The test reads a page
/// through a node's forwarded port, changes a property, restarts the director with kill -9 while
/// the jobs run, and deletes the deployment.
/// </summary>
public sealed class DirectorTests
{

    [Fact]
    public async Task Three_emulated_stem_cells_boot_register_and_run_a_two_group_deployment()
    {
        await using BootRig rig = await BootRig.StartAsync("--provider", "qemu", "--qemu-forward", "8080");
        string release = rig.File("demo.tgz");
        (await rig.Ubd("release", "create", Path.Combine(Tools.RepoRoot, "examples", "releases", "demo"), "--output", release)).Ok();
        (await rig.Remote("release", "upload", release)).Ok();
        string manifest = Path.Combine(Tools.RepoRoot, "examples", "manifests", "demo.yml");

        // Planning writes nothing: the deployment does not exist afterwards, and no node was made.
        string plan = (await rig.Remote("deploy", "plan", manifest, "--var", "title=First", "--var", "web_instances=2")).Ok().Stdout;
        Assert.Contains("backend/0", plan, StringComparison.Ordinal);
        Assert.Equal("[]", JsonDocument.Parse((await rig.Remote("deployment", "list", "--json")).Ok().Stdout).RootElement.ToString());

        // No idle stem cells: the qemu provider starts three, they PXE-boot and their agents register.
        (await rig.RemoteWithin(TimeSpan.FromMinutes(8), "deploy", manifest, "--var", "title=First", "--var", "web_instances=2")).Ok();
        JsonElement[] instances = await Instances(rig);
        Assert.Equal(3, instances.Length);
        Assert.All(instances, i => Assert.Equal("Running", i.GetProperty("status").GetString()));
        Assert.Equal(3, instances.Select(i => i.GetProperty("node").GetString()).Distinct().Count());
        string backendAddress = instances.Single(i => i.GetProperty("group").GetString() == "backend").GetProperty("address").GetString()!;

        foreach (JsonElement web in instances.Where(i => i.GetProperty("group").GetString() == "web"))
        {
            string page = await Page(web);
            Assert.Contains("<h1>First</h1>", page, StringComparison.Ordinal);
            Assert.Contains($"Served by web/{web.GetProperty("index").GetInt32()} at {web.GetProperty("address").GetString()}", page, StringComparison.Ordinal);
            Assert.Contains($"http://{backendAddress}:9000/status.txt", page, StringComparison.Ordinal);
        }

        // A property change updates the web group only.
        long backendEpoch = instances.Single(i => i.GetProperty("group").GetString() == "backend").GetProperty("epoch").GetInt64();
        (await rig.RemoteWithin(TimeSpan.FromMinutes(5), "deploy", manifest, "--var", "title=Second", "--var", "web_instances=2")).Ok();
        instances = await Instances(rig);
        foreach (JsonElement web in instances.Where(i => i.GetProperty("group").GetString() == "web"))
        {
            Assert.Contains("<h1>Second</h1>", await Page(web), StringComparison.Ordinal);
        }
        Assert.Equal(backendEpoch, instances.Single(i => i.GetProperty("group").GetString() == "backend").GetProperty("epoch").GetInt64());

        // The director dies (kill -9) and comes back: agents re-register; their jobs never stopped.
        int?[] pids = [.. instances.Select(Pid)];
        await rig.Server.KillAsync();
        await rig.Server.StartAsync();
        await Until(async () => (await Stemcells(rig)).All(n => n.GetProperty("alive").GetBoolean()), TimeSpan.FromSeconds(90), "agents did not re-register after the restart");
        JsonElement[] before = instances;
        instances = await Instances(rig);
        Assert.True(pids.SequenceEqual(instances.Select(Pid)),
            $"a job restarted across the director restart:\nbefore {string.Join("\n", before)}\nafter {string.Join("\n", instances)}\n{Consoles(rig)}");
        Assert.Contains("<h1>Second</h1>", await Page(instances.First(i => i.GetProperty("group").GetString() == "web")), StringComparison.Ordinal);

        // Deleting the deployment stops the jobs and leaves idle stem cells.
        (await rig.Remote("deployment", "delete", "demo")).Ok();
        JsonElement[] nodes = await Stemcells(rig);
        Assert.Equal(3, nodes.Length);
        Assert.All(nodes, n => Assert.Equal(JsonValueKind.Null, n.GetProperty("instance").ValueKind));
        JsonElement anyWeb = instances.First(i => i.GetProperty("group").GetString() == "web");
        await Until(async () => await TryPage(anyWeb) is null, TimeSpan.FromSeconds(30), "the web job still answers after the deployment was deleted");
    }

    private static string Consoles(BootRig rig) =>
        string.Join("\n", Directory.GetFiles(Path.Combine(rig.Data, "qemu"), "*.console.log").Select(f =>
            $"== {Path.GetFileName(f)}\n{string.Join("\n", File.ReadAllLines(f).Where(l => !l.StartsWith("UNIONBLOCK: heartbeat ", StringComparison.Ordinal)).TakeLast(15))}"));

    private static int? Pid(JsonElement instance) =>
        instance.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("pid")).FirstOrDefault() is { ValueKind: JsonValueKind.Number } pid ? pid.GetInt32() : null;

    private static async Task<JsonElement[]> Instances(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("instances", "demo", "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    private static async Task<JsonElement[]> Stemcells(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("stemcell", "list", "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    /// <summary>The page a web instance serves, through its node's forwarded port (it must answer).</summary>
    private static async Task<string> Page(JsonElement web) =>
        await TryPage(web) ?? throw new Xunit.Sdk.XunitException($"web/{web.GetProperty("index")} did not serve its page");

    private static async Task<string?> TryPage(JsonElement web)
    {
        string endpoint = web.GetProperty("endpoints").GetProperty("8080").GetString()!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return await http.GetStringAsync($"http://{endpoint}/index.html");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException)
        {
            return null;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(500);
        }
    }
}
