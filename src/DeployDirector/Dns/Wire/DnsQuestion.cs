namespace DeployDirector.Dns.Wire;

/// <summary>RFC 1035 4.1.2: what the client asks.</summary>
internal sealed record DnsQuestion(DnsName Name, ushort Type, ushort Class);
