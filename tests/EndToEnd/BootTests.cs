using DeployDirector.Providers.Qemu;
using System.Text;
using Ubd.Nodes;

namespace EndToEnd.Tests;

/// <summary>
/// Bare nodes PXE-boot in QEMU through its built-in iPXE ROM, attach their root over NBD from the
/// initramfs (nbd-client -persist) and run the stem cell's init, which stamps its own disk.
/// </summary>
public sealed class BootTests
{
    private static string Stamp(int number, int boot) => $"UNIONBLOCK-STAMP node={BootRig.Leaf(number)} boot={boot}";

    private static bool Holds(byte[] disk, string text) => disk.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;

    [Fact]
    public async Task Two_nodes_boot_at_once_from_one_root_and_each_stamp_stays_in_its_own_leaf()
    {
        await using BootRig rig = await BootRig.StartAsync();
        QemuNode one = rig.Boot(1);
        QemuNode two = rig.Boot(2);
        double?[] booted = await Task.WhenAll(one.WaitForAsync(QemuNode.InitMarker, BootRig.BootTimeout), two.WaitForAsync(QemuNode.InitMarker, BootRig.BootTimeout));
        Assert.True(booted.All(b => b is not null), $"a node did not reach init:\n{one.Console()}\n----\n{two.Console()}");
        await one.DisposeAsync();
        await two.DisposeAsync();

        byte[] first = await rig.Disk(BootRig.Leaf(1));
        byte[] second = await rig.Disk(BootRig.Leaf(2));
        byte[] root = await rig.Disk("stemcell@1");
        Assert.True(Holds(first, Stamp(1, 1)), "node 1's stamp is not on its disk");
        Assert.True(Holds(second, Stamp(2, 1)), "node 2's stamp is not on its disk");
        Assert.False(Holds(first, Stamp(2, 1)), "node 2's stamp leaked into node 1's disk");
        Assert.False(Holds(second, Stamp(1, 1)), "node 1's stamp leaked into node 2's disk");
        Assert.False(Holds(root, Stamp(1, 1)) || Holds(root, Stamp(2, 1)), "a node's stamp reached the shared root");
        var node = await rig.Node(1);
        Assert.True(node.GetProperty("bytesReadFromShared").GetInt64() > 0);
        Assert.True(node.GetProperty("bytesWritten").GetInt64() > 0);
    }

    [Fact]
    public async Task A_rebooted_node_keeps_its_leaf()
    {
        await using BootRig rig = await BootRig.StartAsync();
        QemuNode first = rig.Boot(3);
        Assert.NotNull(await first.WaitForAsync($"node={BootRig.Leaf(3)} boot=1", BootRig.BootTimeout));
        Assert.NotNull(await first.WaitForAsync("UNIONBLOCK: heartbeat 2 ", BootRig.BootTimeout));
        await first.DisposeAsync(); // power off
        QemuNode again = rig.Boot(3);
        Assert.NotNull(await again.WaitForAsync($"node={BootRig.Leaf(3)} boot=2", BootRig.BootTimeout));
        var node = await rig.Node(3);
        Assert.Equal(2, node.GetProperty("boots").GetInt32());
        Assert.Equal(BootRig.Leaf(3), node.GetProperty("leaf").GetString());
    }

    [Fact]
    public async Task A_node_moved_onto_a_patched_edition_sees_the_patch_at_its_next_boot()
    {
        await using BootRig rig = await BootRig.StartAsync();
        QemuNode before = rig.Boot(4);
        Assert.NotNull(await before.WaitForAsync("edition=stemcell 1", BootRig.BootTimeout));

        // Publish the patched root as a delta edition: one 4 KiB block differs.
        string imported = (await rig.Remote("image", "import", Path.Combine(rig.StemCell, "root-2.img"), "--name", "stemcell", "--delta-over", "stemcell@1", "--json")).Ok().Stdout;
        Assert.Contains("\"storedBytes\": 4096", imported, StringComparison.Ordinal);
        (await rig.Remote("node", "set", BootRig.Mac(4), "--edition", "stemcell@2")).Ok();
        Assert.Contains("edition=stemcell 1", before.Console(), StringComparison.Ordinal);

        await before.DisposeAsync();
        QemuNode after = rig.Boot(4);
        Assert.NotNull(await after.WaitForAsync("edition=stemcell 2", BootRig.BootTimeout));
        Assert.Contains($"node={BootRig.Leaf(4)} boot=2", after.Console(), StringComparison.Ordinal);
        Assert.Equal("stemcell@2", (await rig.Node(4)).GetProperty("edition").GetString());
    }

    [Fact]
    public async Task A_server_restart_under_a_running_node_is_survived_with_nothing_lost()
    {
        await using BootRig rig = await BootRig.StartAsync();
        QemuNode node = rig.Boot(5);
        Assert.NotNull(await node.WaitForAsync("UNIONBLOCK: heartbeat 3 ", BootRig.BootTimeout));
        await rig.Server.KillAsync();                       // kill -9 in the middle of the node's writes
        int beatsBefore = Beats(node.Console());
        await Task.Delay(TimeSpan.FromSeconds(3));          // the node's writes wait meanwhile
        await rig.Server.StartAsync();
        Assert.NotNull(await node.WaitForAsync("UNIONBLOCK: heartbeat", BootRig.BootTimeout, occurrence: beatsBefore + 5));
        await rig.Server.StopAsync();                       // and a clean restart (SIGTERM) too
        int beatsMiddle = Beats(node.Console());
        await rig.Server.StartAsync();
        Assert.NotNull(await node.WaitForAsync("UNIONBLOCK: heartbeat", BootRig.BootTimeout, occurrence: beatsMiddle + 5));
        string console = node.Console();
        Assert.DoesNotContain("I/O error", console, StringComparison.Ordinal);
        Assert.DoesNotContain("Read-only file system", console, StringComparison.Ordinal);
        await node.DisposeAsync();
        // The node's disk is whole: its stamp is on it and the filesystem never went read-only.
        byte[] disk = await rig.Disk(BootRig.Leaf(5));
        Assert.True(Holds(disk, $"UNIONBLOCK-STAMP node={BootRig.Leaf(5)} boot=1"));
    }

    [Fact]
    public async Task Ubd_nodes_launch_boots_nodes_and_reports_seconds_to_init_and_bytes()
    {
        await using BootRig rig = await BootRig.StartAsync();
        string consoles = rig.File("launch-consoles");
        string output = (await rig.Remote("nodes", "launch", "1", "--first", "9", "--console-dir", consoles, "--json")).Ok().Stdout;
        var node = System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("nodes")[0];
        Assert.Equal("52:54:00:0b:00:09", node.GetProperty("mac").GetString());
        Assert.Equal("node-5254000b0009", node.GetProperty("leaf").GetString());
        Assert.True(node.GetProperty("secondsToInit").GetDouble() > 0);
        Assert.True(node.GetProperty("bytesReadFromShared").GetInt64() > 0);
        Assert.True(node.GetProperty("bytesWritten").GetInt64() > 0);
        Assert.Contains(QemuNode.InitMarker, await File.ReadAllTextAsync(Path.Combine(consoles, "node-09.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stock_nbd_client_with_persist_attaches_the_root_when_a_node_asks_for_it()
    {
        await using BootRig rig = await BootRig.StartAsync();
        QemuNode first = rig.Boot(6);                        // registers the node (nbd-attach)
        Assert.NotNull(await first.WaitForAsync(QemuNode.InitMarker, BootRig.BootTimeout));
        await first.DisposeAsync();
        (await rig.Remote("node", "set", BootRig.Mac(6), "--kernel-args", "nbdattach=nbd-client")).Ok();
        QemuNode again = rig.Boot(6);
        Assert.NotNull(await again.WaitForAsync($"node={BootRig.Leaf(6)} boot=2", BootRig.BootTimeout));
        Assert.Contains("Negotiation:", again.Console(), StringComparison.Ordinal);  // nbd-client's own output
        Assert.DoesNotContain("nbd-attach:", again.Console(), StringComparison.Ordinal);
    }

    private static int Beats(string console) => console.Split("UNIONBLOCK: heartbeat").Length - 1;
}
