namespace DeployDirector.Dns.Wire;

/// <summary>RFC 2782: where a service runs.</summary>
internal sealed record SrvData(ushort Priority, ushort Weight, ushort Port, DnsName Target) : DnsRecordData;
