using DeployDirector.Dns.Wire;

namespace DeployDirector.Dns.Zone;

/// <summary>The header of every reply, built in one place from the query it answers.</summary>
internal static class DnsReplies
{
    /// <summary>
    /// QR set; opcode, RD and CD copied (RFC 1035 4.1.1, RFC 4035 3.2.2); RA clear: no recursion.
    /// With EDNS in the query the reply carries OPT with this server's UDP size and the DO bit copied
    /// (RFC 3225 3).
    /// </summary>
    public static DnsMessage Reply(DnsMessage query, int rcode, bool authoritative)
    {
        ushort flags = (ushort)(DnsWire.FlagQr
            | (query.Flags & ((DnsWire.OpcodeMask << DnsWire.OpcodeShift) | DnsWire.FlagRd | DnsWire.FlagCd))
            | (authoritative ? DnsWire.FlagAa : 0)
            | (rcode & DnsWire.RcodeMask));
        return new DnsMessage
        {
            Id = query.Id,
            Flags = flags,
            Questions = query.Questions,
            Edns = query.Edns is null ? null : new DnsEdns(DnsWire.MaxUdpPayload, (byte)(rcode >> 4), 0, (ushort)(query.Edns.Flags & DnsWire.EdnsFlagDo)),
        };
    }

    /// <summary>FORMERR for a message whose header is all that could be read: no question, no OPT.</summary>
    public static DnsMessage FormatError(DnsHeader header) =>
        Reply(new DnsMessage { Id = header.Id, Flags = header.Flags }, DnsWire.RcodeFormErr, authoritative: false);
}
