using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DeployDirector.Live;
using DeployDirector.Manifest;
using ImageTree.Tree;

namespace DeployDirector.Providers.Qemu;

/// <summary>
/// Emulated stem cells on demand: each is a QEMU VM (software emulation) that PXE-boots from this
/// server through QEMU's iPXE ROM with user networking. The VM is registered with its leaf over the
/// group's layer and its labels before it boots, runs detached (a director restart does not stop
/// it: its agent reconnects), and is remembered in DATA/qemu/MAC.json so it can be deleted later.
/// Each VM gets its own guest address (10.0.2.N inside its own user network) and loopback port
/// forwards to the guest ports operators ask for.
/// </summary>
public sealed partial class QemuProvider(QemuOptions options, ImageTreeService tree, NodeRegistry nodes) : IInfrastructureProvider
{
    private readonly Lock _launch = new();

    public string Name => "qemu";

    public string? Impossible(InstanceGroup group, IReadOnlyCollection<IReadOnlyDictionary<string, string>> knownLabels) =>
        group.Resources.Cores > Environment.ProcessorCount ? $"group {group.Name} needs {group.Resources.Cores} cores; emulated nodes here have at most {Environment.ProcessorCount}"
        : group.Resources.MemoryBytes > options.MaxMemoryBytes ? $"group {group.Name} needs {group.Resources.MemoryBytes >> 20} MiB; emulated nodes here have at most {options.MaxMemoryBytes >> 20} MiB"
        : null;

    public Task<string> ProvisionAsync(InstanceGroup group, string layer, int count, CancellationToken cancellationToken)
    {
        var started = new List<string>();
        lock (_launch)
        {
            Directory.CreateDirectory(options.StateDirectory);
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                started.Add(Launch(group, layer));
            }
        }
        return Task.FromResult($"started {count} emulated node(s) for group {group.Name}: {string.Join(", ", started)}");
    }

    /// <summary>Stops a VM this provider started; false when it did not start it.</summary>
    public bool Delete(string mac)
    {
        string file = StateFile(mac);
        if (!File.Exists(file))
        {
            return false;
        }
        QemuMachine machine = JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(file))!;
        if (Alive(machine.Pid))
        {
            _ = Kill(machine.Pid, 15);
        }
        File.Delete(file);
        return true;
    }

    /// <summary>Deletes a VM the provider made and forgets it (director and tree); a node it did not make
    /// is left as it is. The VM is asked to stop (SIGTERM), then killed if it still runs after 10 s,
    /// before its leaf is deleted, so nothing writes to a disk that is going.</summary>
    public async Task<NodeRelease> ReleaseAsync(string mac, bool deleteLeaf, CancellationToken cancellationToken)
    {
        string file = StateFile(mac);
        if (!File.Exists(file))
        {
            return new NodeRelease(false, $"{mac} was not made by the qemu provider: it stays, an idle stem cell");
        }
        int pid = JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(file))!.Pid;
        Delete(mac);
        var stopping = Stopwatch.StartNew();
        while (Alive(pid) && stopping.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        if (Alive(pid))
        {
            _ = Kill(pid, 9);
        }
        nodes.Remove(mac);
        string leaf = tree.ForgetNode(mac, deleteLeaf);
        return new NodeRelease(true, deleteLeaf ? $"VM {mac} deleted with its leaf {leaf}" : $"VM {mac} deleted; its leaf {leaf} is kept");
    }

    /// <summary>Every VM this provider started (tests stop them all).</summary>
    public IReadOnlyList<QemuMachine> Machines() =>
        Directory.Exists(options.StateDirectory)
            ? [.. Directory.GetFiles(options.StateDirectory, "*.json").Select(f => JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(f))!)]
            : [];

    private string Launch(InstanceGroup group, string layer) =>
        Launch(layer, group.Placement.Labels, group.Resources.MemoryBytes, group.Resources.Cores, kernelArgs: null, worker: false);

    /// <summary>
    /// Starts a patch worker: a VM on a fresh leaf over <paramref name="layer"/>, booted with
    /// <c>ubd.worker=1</c> (its init keeps its own state off the leaf, its agent takes run_patch), and
    /// recorded as a worker so the director never places an instance on it. Returns its MAC.
    /// </summary>
    public string LaunchWorker(string layer)
    {
        lock (_launch)
        {
            Directory.CreateDirectory(options.StateDirectory);
            return Launch(layer, new Dictionary<string, string>(), 0, 1, $"{DeployDirector.Contracts.AgentProtocol.WorkerArgument}=1", worker: true);
        }
    }

    /// <summary>The serial console log of a VM this provider made (where its boot can be read).</summary>
    public string ConsoleOf(string mac) => Path.Combine(options.StateDirectory, $"{mac.Replace(':', '-')}.console.log");

    /// <summary>True once a VM this provider made is no longer running (it powered off, or was killed).</summary>
    public bool HasStopped(string mac)
    {
        string file = StateFile(mac);
        return !File.Exists(file) || !Alive(JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(file))!.Pid);
    }

    private string Launch(string layer, IReadOnlyDictionary<string, string> labels, long memoryBytes, int cores, string? kernelArgs, bool worker)
    {
        int number = NextNumber();
        string mac = $"52:54:00:d1:{number >> 8:x2}:{number & 0xff:x2}";
        var forwards = options.ForwardPorts.ToDictionary(p => p.ToString(CultureInfo.InvariantCulture), _ => $"127.0.0.1:{FreePort()}", StringComparer.Ordinal);
        tree.RegisterNode(mac, layer);
        if (kernelArgs is not null)
        {
            tree.SetNode(mac, null, kernelArgs);
        }
        nodes.Prepare(mac, Name, labels, forwards, worker);
        string console = ConsoleOf(mac);
        string pidFile = Path.Combine(options.StateDirectory, $"{mac.Replace(':', '-')}.pid");
        // Each VM has its own user network; distinct guest addresses keep instance addresses distinct.
        string nic = $"user,id=net0,model=e1000,mac={mac},bootfile={options.BootUrl()},net=10.0.2.0/24,dhcpstart=10.0.2.{20 + (number % 200)}"
            + string.Concat(forwards.Select(f => $",hostfwd=tcp:{f.Value}-:{f.Key}"));
        long memory = Math.Max(options.MemoryMiB, (memoryBytes + (1 << 20) - 1) >> 20);
        string monitor = Path.Combine(options.StateDirectory, $"{mac.Replace(':', '-')}.monitor");
        string[] arguments =
        [
            "-m", memory.ToString(CultureInfo.InvariantCulture), "-smp", Math.Max(1, cores).ToString(CultureInfo.InvariantCulture),
            "-display", "none", "-boot", "n", "-serial", $"file:{console}", "-nic", nic,
            // The human monitor on a socket: operators (and tests) cut a node's link or reset it there.
            "-monitor", $"unix:{monitor},server,nowait",
            "-daemonize", "-pidfile", pidFile,
        ];
        int pid;
        try
        {
            pid = Run(arguments, pidFile);
        }
        catch (DirectorException)
        {
            // Nothing boots: the node and its leaf, made for it above, go again.
            nodes.Remove(mac);
            tree.ForgetNode(mac, deleteLeaf: true);
            throw;
        }
        File.WriteAllText(StateFile(mac), JsonSerializer.Serialize(new QemuMachine(mac, pid, console, forwards) { Arguments = arguments, Monitor = monitor }));
        return mac;
    }

    /// <summary>Starts a VM this provider made again (after it was powered off or killed), with the same
    /// MAC, forwards and disk; false when it did not make it or it still runs.</summary>
    public bool PowerOn(string mac)
    {
        string file = StateFile(mac);
        if (!File.Exists(file) || JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(file)) is not { Arguments: { Count: > 0 } arguments } machine || Alive(machine.Pid))
        {
            return false;
        }
        lock (_launch)
        {
            int pid = Run(arguments, arguments[arguments.ToList().IndexOf("-pidfile") + 1]);
            File.WriteAllText(file, JsonSerializer.Serialize(machine with { Pid = pid }));
        }
        return true;
    }

    /// <summary>
    /// Restarts a VM this provider made whose agent cannot be asked to reboot: a stopped VM is started
    /// again, a running one is reset through its monitor (as the power button would). False when the
    /// provider did not make it.
    /// </summary>
    public bool Restart(string mac)
    {
        string file = StateFile(mac);
        if (!File.Exists(file) || JsonSerializer.Deserialize<QemuMachine>(File.ReadAllText(file)) is not { } machine)
        {
            return false;
        }
        if (!Alive(machine.Pid))
        {
            return PowerOn(mac);
        }
        if (machine.Monitor is not { } monitor)
        {
            return false;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(monitor));
        socket.Send("system_reset\n"u8);
        return true;
    }

    private static int Run(IReadOnlyList<string> arguments, string pidFile)
    {
        var start = new ProcessStartInfo("qemu-system-x86_64") { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new DirectorException(DirectorError.Unavailable, $"qemu-system-x86_64 could not be started ({missing.Message}); run ./setup.sh");
        }
        using Process process = started ?? throw new DirectorException(DirectorError.Unavailable, "qemu-system-x86_64 did not start; run ./setup.sh");
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(pidFile))
        {
            throw new DirectorException(DirectorError.Unavailable, $"qemu-system-x86_64 exited with {process.ExitCode}; is it installed (./setup.sh)?");
        }
        return int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
    }

    private int NextNumber()
    {
        string counter = Path.Combine(options.StateDirectory, "counter");
        int number = File.Exists(counter) ? int.Parse(File.ReadAllText(counter), CultureInfo.InvariantCulture) + 1 : 1;
        File.WriteAllText(counter, number.ToString(CultureInfo.InvariantCulture));
        return number;
    }

    private string StateFile(string mac) => Path.Combine(options.StateDirectory, $"{mac.Replace(':', '-')}.json");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Alive(int pid) => Kill(pid, 0) == 0;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A VM the QEMU provider started.</summary>
public sealed record QemuMachine(string Mac, int Pid, string Console, IReadOnlyDictionary<string, string> Forwards)
{
    /// <summary>How it was started (<see cref="QemuProvider.PowerOn"/> starts it the same way).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Its human monitor's socket (set_link net0 off cuts its network; system_reset reboots it).</summary>
    public string? Monitor { get; init; }
}

/// <summary>How emulated nodes are made.</summary>
/// <param name="BootUrl">The iPXE entry script as guests see it (known once the HTTP listener is bound).</param>
/// <param name="ForwardPorts">Guest TCP ports each VM forwards from a free loopback port (e.g. 80 for a web job).</param>
public sealed record QemuOptions(string StateDirectory, Func<string> BootUrl, int MemoryMiB = 256, long MaxMemoryBytes = 4L << 30)
{
    public IReadOnlyList<int> ForwardPorts { get; init; } = [80];
}
