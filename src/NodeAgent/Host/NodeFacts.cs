using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using NodeAgent.Config;

namespace NodeAgent.Host;

/// <summary>What the node is: read from /proc and the network stack, so it works unprivileged anywhere.</summary>
internal static class NodeFacts
{
    public static string BootId() =>
        KernelCommandLine.ReadOrEmpty("/proc/sys/kernel/random/boot_id").Trim() is { Length: > 0 } id ? id : "unknown";

    public static int Cores() => Environment.ProcessorCount;

    /// <summary>MemTotal and MemAvailable of /proc/meminfo, in bytes (0 when unknown).</summary>
    public static (long Total, long Available) Memory()
    {
        long total = 0, available = 0;
        foreach (var line in KernelCommandLine.ReadOrEmpty("/proc/meminfo").Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = Kibibytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = Kibibytes(line);
            }
        }

        return (total, available);
    }

    /// <summary>The one-minute load average (0 when unknown).</summary>
    public static double LoadAverage()
    {
        var words = KernelCommandLine.ReadOrEmpty("/proc/loadavg").Split(' ');
        return double.TryParse(words[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : 0;
    }

    /// <summary>The first up, non-loopback interface's IPv4 address.</summary>
    public static string Address()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback || nic.OperationalStatus == OperationalStatus.Down)
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork)
                    {
                        return unicast.Address.ToString();
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Falls through: a node without a readable network stack still registers.
        }

        return "127.0.0.1";
    }

    public static string? Edition() =>
        KernelCommandLine.ReadOrEmpty("/etc/edition").Trim() is { Length: > 0 } edition ? edition : null;

    private static long Kibibytes(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 1 && long.TryParse(words[1], CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : 0;
    }
}
