namespace DeployDirector.Dns.Wire;

/// <summary>
/// A whole message (RFC 1035 4.1). The OPT record is <see cref="Edns"/>, never part of
/// <see cref="Additional"/>; <see cref="Flags"/> is the header's second word, its low four bits the
/// low bits of the response code.
/// </summary>
internal sealed record DnsMessage
{
    public ushort Id { get; init; }

    public ushort Flags { get; init; }

    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];

    public IReadOnlyList<DnsRecord> Answers { get; init; } = [];

    public IReadOnlyList<DnsRecord> Authority { get; init; } = [];

    public IReadOnlyList<DnsRecord> Additional { get; init; } = [];

    public DnsEdns? Edns { get; init; }

    public DnsHeader Header => new(Id, Flags);

    /// <summary>The full response code: four header bits and, with EDNS, eight more (RFC 6891 6.1.3).</summary>
    public int Rcode => ((Edns?.ExtendedRcode ?? 0) << 4) | (Flags & DnsWire.RcodeMask);

    public bool Has(ushort flag) => (Flags & flag) != 0;
}
