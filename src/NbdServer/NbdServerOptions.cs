namespace NbdServer;

/// <summary>Limits and behaviour of the NBD server.</summary>
public sealed class NbdServerOptions
{
    /// <summary>Largest READ or WRITE served; advertised as the maximum block size.</summary>
    public int MaxPayload { get; init; } = 16 * 1024 * 1024;

    /// <summary>Oversized write payloads up to this size are read and discarded, then answered with
    /// EINVAL (proto.md: payloads up to 32 MiB should not be treated as denial of service); larger
    /// ones close the connection.</summary>
    public int MaxDrainedPayload { get; init; } = 32 * 1024 * 1024;

    /// <summary>Largest option payload read during the handshake.</summary>
    public int MaxOptionLength { get; init; } = 64 * 1024;

    /// <summary>A client that has not finished negotiating by then is disconnected.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests completing asynchronously (flush, FUA) that one connection may have pending.</summary>
    public int MaxPendingPerConnection { get; init; } = 256;
}
