namespace DeployDirector.Dns.Wire;

/// <summary>
/// RFC 6891 6.1.3: the OPT pseudo-record's fields. Options are checked for framing and dropped:
/// this server implements none.
/// </summary>
internal sealed record DnsEdns(ushort UdpPayloadSize, byte ExtendedRcode, byte Version, ushort Flags);
