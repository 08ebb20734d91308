using System.Text.Json;
using DeployDirector.Providers.Qemu;
using Interop.Tests;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// Autoscaling with real nodes: examples/manifests/autoscale.yml runs one instance of the demo
/// backend whose job reports the load its property names. Loaded (0.9), the group grows: the qemu
/// provider boots a second stem cell and the instance added runs there. Idle (0.1), it shrinks: the
/// added instance is drained and deleted, and its node given back — the VM stopped, the node
/// forgotten by the director and the tree, and its leaf deleted, as `release: delete` says.
/// </summary>
public sealed class AutoscaleTests(ITestOutputHelper output)
{
    private static readonly GroupProbe Probe = new("autoscale", "backend");

    [Fact]
    public async Task A_loaded_group_grows_by_a_booted_node_and_an_idle_one_gives_the_node_back()
    {
        await using BootRig rig = await BootRig.StartAsync("--provider", "qemu", "--qemu-forward", "9000");
        string release = rig.File("demo.tgz");
        string manifest = Path.Combine(Tools.RepoRoot, "examples", "manifests", "autoscale.yml");
        (await rig.Ubd("release", "create", Path.Combine(Tools.RepoRoot, "examples", "releases", "demo"), "--output", release)).Ok();
        (await rig.Remote("release", "upload", release)).Ok();
        (await rig.RemoteWithin(TimeSpan.FromMinutes(8), "deploy", manifest, "--var", "load=0.9")).Ok();
        string first = (await Probe.Instances(rig)).Single().GetProperty("node").GetString()!;

        // Loaded: one more instance, on a node the provider boots for it.
        await Probe.Until(async () => (await Probe.Instances(rig)).Count(i => i.GetProperty("status").GetString() == "Running") == 2,
            TimeSpan.FromMinutes(8), "the loaded group did not grow to 2 running instances", rig);
        JsonElement added = (await Probe.Instances(rig)).Single(i => i.GetProperty("index").GetInt32() == 1);
        string grown = added.GetProperty("node").GetString()!;
        Assert.NotEqual(first, grown);
        Assert.Contains("backend backend/1", await GroupProbe.Page(added), StringComparison.Ordinal);
        Assert.Contains(await Probe.Events(rig), e => e.GetProperty("kind").GetString() == "scale" && e.GetProperty("message").GetString()!.Contains("scaling out to 2", StringComparison.Ordinal));
        QemuMachine machine = GroupProbe.Machine(rig, grown);
        output.WriteLine($"grew onto {grown} (pid {machine.Pid})");

        // Idle: back to one instance, and the added node is given back.
        (await rig.RemoteWithin(TimeSpan.FromMinutes(4), "deploy", manifest, "--var", "load=0.1")).Ok();
        await Probe.Until(async () => (await Probe.Events(rig)).Any(e => e.GetProperty("kind").GetString() == "node-released"),
            TimeSpan.FromMinutes(3), "the idle group did not give a node back", rig);
        JsonElement[] instances = await Probe.Instances(rig);
        JsonElement kept = Assert.Single(instances);
        Assert.Equal((0, first, "Running"), (kept.GetProperty("index").GetInt32(), kept.GetProperty("node").GetString(), kept.GetProperty("status").GetString()));
        IReadOnlyList<JsonElement> events = await Probe.Events(rig);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "scale" && e.GetProperty("message").GetString()!.Contains($"draining {grown}", StringComparison.Ordinal));
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "node-released" && e.GetProperty("message").GetString()!.Contains($"VM {grown} deleted with its leaf", StringComparison.Ordinal));

        await Probe.Until(() => Task.FromResult(!Alive(machine.Pid)), TimeSpan.FromSeconds(15), $"the VM of {grown} still runs", rig);
        Assert.False(File.Exists(Path.Combine(rig.Data, "qemu", grown.Replace(':', '-') + ".json")));
        string stemcells = (await rig.Remote("stemcell", "list", "--json")).Ok().Stdout;
        Assert.DoesNotContain(grown, stemcells, StringComparison.Ordinal);
        Assert.Contains(first, stemcells, StringComparison.Ordinal);
        Assert.DoesNotContain(grown, (await rig.Remote("node", "list", "--json")).Ok().Stdout, StringComparison.Ordinal);
        Assert.Contains("backend backend/0", await GroupProbe.Page(kept), StringComparison.Ordinal);
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
