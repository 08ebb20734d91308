namespace DeployDirector.Dns.Wire;

/// <summary>A record's RDATA.</summary>
internal abstract record DnsRecordData;
