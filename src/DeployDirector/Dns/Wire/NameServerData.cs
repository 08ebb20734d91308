namespace DeployDirector.Dns.Wire;

/// <summary>RFC 1035 3.3.11: the host of an authoritative name server.</summary>
internal sealed record NameServerData(DnsName Host) : DnsRecordData;
