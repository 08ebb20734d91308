using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DeployDirector.Providers.Qemu;
using Interop.Tests;

namespace EndToEnd.Tests;

/// <summary>What the service-group tests ask of one group through the real CLI (status, events,
/// instances, the job's page), and what they do to its VMs (power on, the QEMU monitor).</summary>
public sealed class GroupProbe(string deployment, string group)
{
    public string Group => $"{deployment}/{group}";

    public static QemuMachine Machine(BootRig rig, string mac) =>
        JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(Path.Combine(rig.Data, "qemu", mac.Replace(':', '-') + ".json")))!;

    /// <summary>The VM starts again as the provider started it (same MAC, forwards and console); its
    /// state file gets the new pid so the rig's cleanup stops it.</summary>
    public static void PowerOn(BootRig rig, QemuMachine machine)
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

    public static async Task MonitorAsync(QemuMachine machine, string command)
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

    public async Task<JsonElement> Status(BootRig rig) =>
        JsonDocument.Parse((await rig.Remote("group", "status", Group, "--json")).Ok().Stdout).RootElement;

    public async Task<IReadOnlyList<JsonElement>> Events(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("group", "events", Group, "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    public async Task<JsonElement[]> Instances(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("instances", deployment, "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    public static async Task<bool> Fenced(BootRig rig, string mac) =>
        JsonDocument.Parse((await rig.Remote("node", "list", "--json")).Ok().Stdout).RootElement.EnumerateArray()
            .Any(n => n.GetProperty("mac").GetString() == mac && n.TryGetProperty("fence", out JsonElement fence) && fence.ValueKind == JsonValueKind.Object);

    public static async Task<string> Page(JsonElement instance)
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

    public async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string message, BootRig rig)
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

    public static string Consoles(BootRig rig) =>
        string.Join("\n", Directory.GetFiles(Path.Combine(rig.Data, "qemu"), "*.console.log").Select(f =>
            $"== {Path.GetFileName(f)}\n{string.Join("\n", File.ReadAllLines(f).Where(l => !l.Contains("heartbeat", StringComparison.Ordinal)).TakeLast(12))}"));
}
