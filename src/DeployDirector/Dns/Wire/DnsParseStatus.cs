namespace DeployDirector.Dns.Wire;

/// <summary>What came of reading a message.</summary>
internal enum DnsParseStatus
{
    Ok,

    /// <summary>Shorter than a header: nothing to answer, so the packet is dropped.</summary>
    NoHeader,

    /// <summary>The header is readable, the rest is not: answered with FORMERR.</summary>
    Malformed,
}
