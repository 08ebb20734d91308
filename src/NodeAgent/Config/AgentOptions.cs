using DeployDirector.Contracts;

namespace NodeAgent.Config;

/// <summary>
/// The agent's settings: flags first, then the kernel command line the boot service wrote
/// (<c>ubd.director=</c>, <c>ubd.credential=</c>, <c>ubd.node=</c>), then the first NIC's MAC.
/// </summary>
internal sealed record AgentOptions
{
    public const string DefaultData = "/var/ubd";
    public const string DefaultReboot = "reboot -f";

    /// <summary>How a patch worker ends: everything the script wrote reaches the leaf (sync, then a read-only
    /// root, whose remount flushes the journal), then the VM powers off and the server freezes the leaf.</summary>
    public const string DefaultPowerOff = "sync; mount -o remount,ro /; sync; poweroff -f";

    /// <summary>Where a patch worker unpacks and runs a patch (tmpfs on a worker, so nothing of it lands in the leaf).</summary>
    public const string DefaultPatchDirectory = "/tmp/ubd-patch";

    public required Uri Director { get; init; }

    public required string Credential { get; init; }

    public required string Mac { get; init; }

    public required string DataDirectory { get; init; }

    public string RebootCommand { get; init; } = DefaultReboot;

    /// <summary>Booted as a patch worker (<c>ubd.worker=1</c>, or <c>--worker 1</c>): only then is run_patch accepted.</summary>
    public bool Worker { get; init; }

    public string PowerOffCommand { get; init; } = DefaultPowerOff;

    public string PatchDirectory { get; init; } = DefaultPatchDirectory;

    /// <summary>First restart delay of a job; doubles per quick failure (tests shorten it).</summary>
    public TimeSpan RestartBase { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often bin/health runs.</summary>
    public TimeSpan HealthInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where load and memory figures are read (stat, meminfo, loadavg); tests give fake files.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Where the registration marker goes (end-to-end tests read the console).</summary>
    public string Console { get; init; } = "/dev/console";

    /// <summary>Parses flags; anything missing comes from <paramref name="commandLine"/> and <paramref name="macFile"/>.</summary>
    /// <returns>The options, or null with <paramref name="error"/> saying what is missing.</returns>
    public static AgentOptions? TryParse(IReadOnlyList<string> args, string commandLine, string macFile, out string error)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                error = $"unexpected argument '{args[i]}' (flags are --name value)";
                return null;
            }

            flags[args[i][2..]] = args[++i];
        }

        var kernel = KernelCommandLine.Parse(commandLine);
        var director = Pick(flags, "director", kernel, AgentProtocol.DirectorArgument);
        var credential = Pick(flags, "credential", kernel, AgentProtocol.CredentialArgument);
        var mac = Pick(flags, "mac", kernel, AgentProtocol.NodeArgument)
            ?? NullIfEmpty(KernelCommandLine.ReadOrEmpty(macFile).Trim());
        if (director is null || !Uri.TryCreate(director, UriKind.Absolute, out var directorUri))
        {
            error = "no director: pass --director URL or boot with ubd.director=URL";
            return null;
        }

        if (credential is null)
        {
            error = "no credential: pass --credential TOKEN or boot with ubd.credential=TOKEN";
            return null;
        }

        if (mac is null)
        {
            error = "no MAC: pass --mac MAC or boot with ubd.node=MAC";
            return null;
        }

        error = "";
        return new AgentOptions
        {
            Director = directorUri,
            Credential = credential,
            Mac = mac.ToLowerInvariant(),
            DataDirectory = flags.GetValueOrDefault("data") ?? DefaultData,
            RebootCommand = flags.GetValueOrDefault("reboot-command") ?? DefaultReboot,
            Worker = Pick(flags, "worker", kernel, AgentProtocol.WorkerArgument) == "1",
            PowerOffCommand = flags.GetValueOrDefault("poweroff-command") ?? DefaultPowerOff,
            PatchDirectory = flags.GetValueOrDefault("patch-dir") ?? DefaultPatchDirectory,
            RestartBase = Milliseconds(flags, "restart-base-ms") ?? TimeSpan.FromSeconds(1),
            HealthInterval = Milliseconds(flags, "health-interval-ms") ?? TimeSpan.FromSeconds(5),
            Console = flags.GetValueOrDefault("console") ?? "/dev/console",
            ProcRoot = flags.GetValueOrDefault("proc-root") ?? "/proc",
        };
    }

    private static string? Pick(Dictionary<string, string> flags, string flag, IReadOnlyDictionary<string, string> kernel, string key) =>
        NullIfEmpty(flags.GetValueOrDefault(flag)) ?? NullIfEmpty(kernel.GetValueOrDefault(key));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static TimeSpan? Milliseconds(Dictionary<string, string> flags, string flag) =>
        flags.TryGetValue(flag, out var text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
