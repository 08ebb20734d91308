using System.Net.NetworkInformation;
using System.Net.Sockets;
using NodeAgent.Config;

namespace NodeAgent.Host;

/// <summary>What the node is: read from /proc and the network stack, so it works unprivileged anywhere (load and
/// memory come from <see cref="LoadSampler"/>).</summary>
internal static class NodeFacts
{
    public static string BootId() =>
        KernelCommandLine.ReadOrEmpty("/proc/sys/kernel/random/boot_id").Trim() is { Length: > 0 } id ? id : "unknown";

    public static int Cores() => Environment.ProcessorCount;

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
}
