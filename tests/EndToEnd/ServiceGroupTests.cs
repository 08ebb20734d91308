using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
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
    private const string Group = "failover/backend";

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
        await Until(async () => (await Status(rig)).GetProperty("spares").GetArrayLength() == 1, TimeSpan.FromMinutes(4), "no hot spare was designated", rig);
        await Until(async () => (await Events(rig)).Any(e => e.GetProperty("kind").GetString() == "spare-prepared"), TimeSpan.FromMinutes(2), "the spare never held a prepared copy", rig);
        string spare = (await Status(rig)).GetProperty("spares")[0].GetString()!;
        JsonElement victim = (await Instances(rig)).Single(i => i.GetProperty("index").GetInt32() == 0);
        string lost = victim.GetProperty("node").GetString()!;
        long epoch = victim.GetProperty("epoch").GetInt64();
        Assert.Contains("backend backend/0", await Page(victim), StringComparison.Ordinal);
        QemuMachine machine = Machine(rig, lost);

        var clock = Stopwatch.StartNew();
        if (loss == "kill")
        {
            Process.GetProcessById(machine.Pid).Kill();
        }
        else
        {
            await MonitorAsync(machine, "set_link net0 off");
        }

        // Within seconds the instance runs on the spare, under a newer epoch, and answers there.
        await Until(async () => (await Instances(rig)).Any(i => i.GetProperty("index").GetInt32() == 0 && i.GetProperty("node").GetString() == spare
            && i.GetProperty("status").GetString() == "Running"), TimeSpan.FromSeconds(90), $"backend/0 did not move from {lost} to the spare {spare}", rig);
        output.WriteLine($"{loss}: backend/0 running on the spare {clock.Elapsed.TotalSeconds:0.0} s after the loss");
        JsonElement moved = (await Instances(rig)).Single(i => i.GetProperty("index").GetInt32() == 0);
        Assert.True(moved.GetProperty("epoch").GetInt64() > epoch);
        string page = await Page(moved);
        Assert.Contains("backend backend/0", page, StringComparison.Ordinal);
        Assert.Contains($"at {moved.GetProperty("address").GetString()}", page, StringComparison.Ordinal);
        Assert.True(await Fenced(rig, lost), $"{lost}'s leaf is not fenced after it was lost");
        IReadOnlyList<JsonElement> events = await Events(rig);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "fenced" && e.GetProperty("message").GetString()!.Contains(lost, StringComparison.Ordinal));
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "failover" && e.GetProperty("message").GetString()!.Contains(spare, StringComparison.Ordinal));

        // The node boots again (powered on, or reset once its link is back): its boot lifts the fence,
        // its agent registers with nothing the director still gives it, and it is the group's spare.
        if (loss == "kill")
        {
            PowerOn(rig, machine);
        }
        else
        {
            await MonitorAsync(machine, "set_link net0 on");
            await MonitorAsync(machine, "system_reset");
        }
        await Until(async () => (await Status(rig)).GetProperty("spares").EnumerateArray().Any(s => s.GetString() == lost), BootRig.BootTimeout, $"{lost} did not rejoin as the spare", rig);
        Assert.False(await Fenced(rig, lost));
        JsonElement[] instances = await Instances(rig);
        Assert.All(instances, i => Assert.Equal("Running", i.GetProperty("status").GetString()));
        Assert.DoesNotContain(instances, i => i.GetProperty("node").GetString() == lost);
        Assert.Contains("backend backend/1", await Page(instances.Single(i => i.GetProperty("index").GetInt32() == 1)), StringComparison.Ordinal);
    }

    private static QemuMachine Machine(BootRig rig, string mac) =>
        JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(Path.Combine(rig.Data, "qemu", mac.Replace(':', '-') + ".json")))!;

    /// <summary>The VM starts again as the provider started it (same MAC, forwards and console); its
    /// state file gets the new pid so the rig's cleanup stops it.</summary>
    private static void PowerOn(BootRig rig, QemuMachine machine)
    {
        var start = new ProcessStartInfo("qemu-system-x86_64") { UseShellExecute = false };
        foreach (string argument in machine.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process qemu = Process.Start(start)!;
        qemu.WaitForExit();
        Assert.Equal(0, qemu.ExitCode);
        string pidFile = machine.Arguments[machine.Arguments.ToList().IndexOf("-pidfile") + 1];
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(rig.Data, "qemu", machine.Mac.Replace(':', '-') + ".json"), JsonSerializer.Serialize(machine with { Pid = pid }));
    }

    private static async Task MonitorAsync(QemuMachine machine, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(machine.Monitor!));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            // The monitor keeps the connection open; two quiet seconds mean it took the command.
        }
    }

    private static async Task<JsonElement> Status(BootRig rig) =>
        JsonDocument.Parse((await rig.Remote("group", "status", Group, "--json")).Ok().Stdout).RootElement;

    private static async Task<IReadOnlyList<JsonElement>> Events(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("group", "events", Group, "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    private static async Task<JsonElement[]> Instances(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("instances", "failover", "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    private static async Task<bool> Fenced(BootRig rig, string mac) =>
        JsonDocument.Parse((await rig.Remote("node", "list", "--json")).Ok().Stdout).RootElement.EnumerateArray()
            .Any(n => n.GetProperty("mac").GetString() == mac && n.TryGetProperty("fence", out JsonElement fence) && fence.ValueKind == JsonValueKind.Object);

    private static async Task<string> Page(JsonElement instance)
    {
        string endpoint = instance.GetProperty("endpoints").GetProperty("9000").GetString()!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync($"http://{endpoint}/status.txt");
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException or SocketException or IOException) && attempt < 20)
            {
                await Task.Delay(1000);
            }
        }
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string message, BootRig rig)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                string events = (await rig.Remote("group", "events", Group)).Stdout;
                Assert.Fail($"{message}\nevents:\n{events}\n{Consoles(rig)}");
            }
            await Task.Delay(500);
        }
    }

    private static string Consoles(BootRig rig) =>
        string.Join("\n", Directory.GetFiles(Path.Combine(rig.Data, "qemu"), "*.console.log").Select(f =>
            $"== {Path.GetFileName(f)}\n{string.Join("\n", File.ReadAllLines(f).Where(l => !l.Contains("heartbeat", StringComparison.Ordinal)).TakeLast(12))}"));
}
