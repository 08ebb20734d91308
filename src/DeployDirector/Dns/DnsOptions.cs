using System.Net;

namespace DeployDirector.Dns;

/// <summary>How the service-group DNS server answers and what it bounds.</summary>
public sealed record DnsOptions
{
    /// <summary>The one zone the server is authoritative for; every other name is refused.</summary>
    public string Zone { get; init; } = "ubd.internal.";

    /// <summary>TTL of every answer: small, because membership changes as members fail or fill up.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a resolver may cache that a name or type does not exist (RFC 2308).</summary>
    public TimeSpan NegativeTtl { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The server's own address, if clients should be able to resolve the zone's name server
    /// (the zone apex is its own NS target). Without it the apex has no A record.
    /// </summary>
    public IPAddress? NameServerAddress { get; init; }

    /// <summary>TCP connections served at once; further ones are closed as soon as they are accepted.</summary>
    public int MaxTcpConnections { get; init; } = 64;

    /// <summary>How long a TCP connection may take to send its next query, or to take its answer.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The SOA serial's source: seconds of this clock (nothing transfers the zone; it only has to move).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
