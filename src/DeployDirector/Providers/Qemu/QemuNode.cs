using System.Diagnostics;

namespace DeployDirector.Providers.Qemu;

/// <summary>
/// One emulated node: a QEMU VM (software emulation, no KVM needed) that PXE-boots through QEMU's
/// built-in iPXE ROM over user networking — nothing leaves the machine; the guest reaches the host's
/// loopback as 10.0.2.2. Its serial console goes to a log file, which is how we see it boot.
/// </summary>
public sealed partial class QemuNode : IAsyncDisposable
{
    public const string InitMarker = "UNIONBLOCK: reached init";
    private readonly Process _process;
    private int _stopped;

    private QemuNode(string mac, string console, Process process)
    {
        Mac = mac;
        ConsolePath = console;
        _process = process;
        Started = Stopwatch.StartNew();
    }

    public string Mac { get; }

    public string ConsolePath { get; }

    public Stopwatch Started { get; }

    public bool HasExited => _stopped == 1 || _process.HasExited;

    /// <summary>Starts a VM whose DHCP boot file is <paramref name="bootUrl"/> (an iPXE script URL).</summary>
    public static QemuNode Start(string mac, string bootUrl, string console, int memoryMiB = 256)
    {
        File.Delete(console);
        var start = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "-m", memoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-display", "none", "-no-reboot", "-boot", "n",
            "-serial", $"file:{console}",
            "-nic", $"user,model=e1000,mac={mac},bootfile={bootUrl}",
        })
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            Process process = Process.Start(start)!;
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            return new QemuNode(mac, console, process);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("qemu-system-x86_64 is needed to launch nodes and was not found; run ./setup.sh (it installs qemu-system-x86 and ipxe-qemu)");
        }
    }

    /// <summary>What the node printed on its console so far.</summary>
    public string Console() => File.Exists(ConsolePath) ? ReadShared(ConsolePath) : "";

    /// <summary>Waits until the console shows <paramref name="marker"/> (after <paramref name="occurrence"/>-1 earlier ones); returns the seconds since start.</summary>
    public async Task<double?> WaitForAsync(string marker, TimeSpan timeout, int occurrence = 1)
    {
        while (Started.Elapsed < timeout && !HasExited)
        {
            if (Count(Console(), marker) >= occurrence)
            {
                return Started.Elapsed.TotalSeconds;
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
        return Count(Console(), marker) >= occurrence ? Started.Elapsed.TotalSeconds : null;
    }

    /// <summary>Stops the VM: QEMU exits on SIGTERM (the guest syncs its disk every 2 s).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _ = Terminate(_process.Id, 15); // SIGTERM: QEMU shuts down on its own
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(patience.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Terminate(int pid, int signal);

    private static int Count(string text, string marker)
    {
        int count = 0;
        for (int at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
