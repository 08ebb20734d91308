using System.Diagnostics;
using System.Text.Json;
using DeployDirector.Providers.Qemu;
using Interop.Tests;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// Service-group failover with real nodes: examples/manifests/failover.yml puts two instances of the
/// demo backend on two emulated stem cells and keeps a third as a hot spare. One holder is lost —
/// its VM killed, or (second case) only its network cut through the QEMU monitor, so its agent and
/// jobs live on unseen — and the instance must answer from the spare, the lost node's leaf must be
/// fenced, and the node, once it boots again, must come back as the group's spare.
/// </summary>
public sealed class ServiceGroupTests(ITestOutputHelper output)
{
    private static readonly GroupProbe Probe = new("failover", "backend");

    [Theory]
    [InlineData("kill")]
    [InlineData("partition")]
    public async Task A_lost_holder_s_instance_runs_on_the_hot_spare_and_the_node_rejoins_as_a_spare(string loss)
    {
        await using BootRig rig = await BootRig.StartAsync("--provider", "qemu", "--qemu-forward", "9000");
        string release = rig.File("demo.tgz");
        (await rig.Ubd("release", "create", Path.Combine(Tools.RepoRoot, "examples", "releases", "demo"), "--output", release)).Ok();
        (await rig.Remote("release", "upload", release)).Ok();
        (await rig.RemoteWithin(TimeSpan.FromMinutes(8), "deploy", Path.Combine(Tools.RepoRoot, "examples", "manifests", "failover.yml"))).Ok();

        // Three stem cells: two holders, and the spare the supervisor designated and prepared.
        await Probe.Until(async () => (await Probe.Status(rig)).GetProperty("spares").GetArrayLength() == 1, TimeSpan.FromMinutes(4), "no hot spare was designated", rig);
        await Probe.Until(async () => (await Probe.Events(rig)).Any(e => e.GetProperty("kind").GetString() == "spare-prepared"), TimeSpan.FromMinutes(2), "the spare never held a prepared copy", rig);
        string spare = (await Probe.Status(rig)).GetProperty("spares")[0].GetString()!;
        JsonElement victim = (await Probe.Instances(rig)).Single(i => i.GetProperty("index").GetInt32() == 0);
        string lost = victim.GetProperty("node").GetString()!;
        long epoch = victim.GetProperty("epoch").GetInt64();
        Assert.Contains("backend backend/0", await GroupProbe.Page(victim), StringComparison.Ordinal);
        QemuMachine machine = GroupProbe.Machine(rig, lost);

        var clock = Stopwatch.StartNew();
        if (loss == "kill")
        {
            Process.GetProcessById(machine.Pid).Kill();
        }
        else
        {
            await GroupProbe.MonitorAsync(machine, "set_link net0 off");
        }

        // Within seconds the instance runs on the spare, under a newer epoch, and answers there.
        await Probe.Until(async () => (await Probe.Instances(rig)).Any(i => i.GetProperty("index").GetInt32() == 0 && i.GetProperty("node").GetString() == spare
            && i.GetProperty("status").GetString() == "Running"), TimeSpan.FromSeconds(90), $"backend/0 did not move from {lost} to the spare {spare}", rig);
        output.WriteLine($"{loss}: backend/0 running on the spare {clock.Elapsed.TotalSeconds:0.0} s after the loss");
        JsonElement moved = (await Probe.Instances(rig)).Single(i => i.GetProperty("index").GetInt32() == 0);
        Assert.True(moved.GetProperty("epoch").GetInt64() > epoch);
        string page = await GroupProbe.Page(moved);
        Assert.Contains("backend backend/0", page, StringComparison.Ordinal);
        Assert.Contains($"at {moved.GetProperty("address").GetString()}", page, StringComparison.Ordinal);
        Assert.True(await GroupProbe.Fenced(rig, lost), $"{lost}'s leaf is not fenced after it was lost");
        IReadOnlyList<JsonElement> events = await Probe.Events(rig);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "fenced" && e.GetProperty("message").GetString()!.Contains(lost, StringComparison.Ordinal));
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "failover" && e.GetProperty("message").GetString()!.Contains(spare, StringComparison.Ordinal));

        // The node boots again (powered on, or reset once its link is back): its boot lifts the fence,
        // its agent registers with nothing the director still gives it, and it is the group's spare.
        if (loss == "kill")
        {
            GroupProbe.PowerOn(rig, machine);
        }
        else
        {
            await GroupProbe.MonitorAsync(machine, "set_link net0 on");
            await GroupProbe.MonitorAsync(machine, "system_reset");
        }
        await Probe.Until(async () => (await Probe.Status(rig)).GetProperty("spares").EnumerateArray().Any(s => s.GetString() == lost), BootRig.BootTimeout, $"{lost} did not rejoin as the spare", rig);
        Assert.False(await GroupProbe.Fenced(rig, lost));
        JsonElement[] instances = await Probe.Instances(rig);
        Assert.All(instances, i => Assert.Equal("Running", i.GetProperty("status").GetString()));
        Assert.DoesNotContain(instances, i => i.GetProperty("node").GetString() == lost);
        Assert.Contains("backend backend/1", await GroupProbe.Page(instances.Single(i => i.GetProperty("index").GetInt32() == 1)), StringComparison.Ordinal);
    }
}
