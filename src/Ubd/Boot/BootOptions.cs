namespace Ubd.Boot;

/// <summary>
/// How `ubd serve` boots nodes: the kernel and initramfs it hands out, the edition new nodes start
/// from, and the host name nodes use to reach this server (with QEMU's user networking the host's
/// loopback is 10.0.2.2 inside the guest).
/// </summary>
public sealed class BootOptions
{
    public required string FilesDirectory { get; init; }

    public required string DefaultEdition { get; init; }

    public required string AdvertisedHost { get; init; }

    /// <summary>The NBD port nodes attach to (known once the listener is bound).</summary>
    public int NbdPort { get; set; }

    /// <summary>The HTTP port scripts point back to (known once Kestrel is bound).</summary>
    public int HttpPort { get; set; }

    public const string Kernel = "vmlinuz";
    public const string Initrd = "initrd.img";

    public string BaseUrl => $"http://{AdvertisedHost}:{HttpPort}";
}
