namespace DeployDirector.Dns.Wire;

/// <summary>RFC 1035 4.1.3: one resource record. <see cref="Data"/> is typed for the IN types this server knows, raw otherwise.</summary>
internal sealed record DnsRecord(DnsName Name, ushort Type, ushort Class, uint Ttl, DnsRecordData Data);
