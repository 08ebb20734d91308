using DeployDirector.Dns.Wire;

namespace DeployDirector.Dns.Zone;

/// <summary>One record at a name, and the address record that goes with it in the additional section (SRV and NS targets).</summary>
internal sealed record ZoneEntry(DnsRecord Record, DnsRecord? Additional = null);
