namespace DeployDirector.Dns.Wire;

/// <summary>RFC 1035 3.3.13; RFC 2308 makes <see cref="Minimum"/> the negative-caching TTL.</summary>
internal sealed record SoaData(DnsName PrimaryServer, DnsName Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecordData;
