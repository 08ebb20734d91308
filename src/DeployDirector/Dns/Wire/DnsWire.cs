namespace DeployDirector.Dns.Wire;

/// <summary>The wire constants this server uses, named as RFC 1035, 2782 and 6891 name them.</summary>
internal static class DnsWire
{
    public const int HeaderSize = 12;

    // RFC 1035 2.3.4: labels are 63 octets or less, names 255 octets or less.
    public const int MaxLabelLength = 63;
    public const int MaxNameLength = 255;

    // RFC 1035 4.2.1: UDP messages are 512 octets or less unless EDNS says otherwise.
    public const int ClassicUdpPayload = 512;

    // RFC 6891 6.2.5 leaves the size to the server; 1232 avoids IP fragmentation (DNS flag day 2020).
    public const int MaxUdpPayload = 1232;

    // RFC 1035 4.2.2: TCP messages carry a two-octet length, so 65535 octets at most.
    public const int MaxTcpMessage = 65535;

    // A valid name has at most 127 labels; a chain of more pointers than this is a loop or an attack.
    public const int MaxPointerJumps = 64;

    // RFC 1035 4.1.4: a pointer is two octets starting with binary 11; 01 and 10 are reserved.
    public const byte PointerMask = 0xC0;
    public const int MaxPointerOffset = 0x3FFF;

    // RFC 1035 4.1.1: the header's second word.
    public const ushort FlagQr = 0x8000;
    public const ushort FlagAa = 0x0400;
    public const ushort FlagTc = 0x0200;
    public const ushort FlagRd = 0x0100;
    public const ushort FlagRa = 0x0080;
    public const ushort FlagAd = 0x0020;
    public const ushort FlagCd = 0x0010;
    public const int OpcodeShift = 11;
    public const ushort OpcodeMask = 0x0F;
    public const ushort RcodeMask = 0x000F;

    public const byte OpcodeQuery = 0;

    // RFC 1035 4.1.1 RCODE; RFC 6891 6.1.3 BADVERS is an extended code (upper 8 bits in OPT).
    public const int RcodeNoError = 0;
    public const int RcodeFormErr = 1;
    public const int RcodeServFail = 2;
    public const int RcodeNxDomain = 3;
    public const int RcodeNotImp = 4;
    public const int RcodeRefused = 5;
    public const int RcodeBadVers = 16;

    // RFC 1035 3.2.2, RFC 3596, RFC 2782, RFC 6891.
    public const ushort TypeA = 1;
    public const ushort TypeNs = 2;
    public const ushort TypeSoa = 6;
    public const ushort TypeAaaa = 28;
    public const ushort TypeSrv = 33;
    public const ushort TypeOpt = 41;
    public const ushort TypeAny = 255;

    public const ushort ClassIn = 1;
    public const ushort ClassAny = 255;

    // RFC 6891 6.1.4: the DO bit in the OPT record's flags.
    public const ushort EdnsFlagDo = 0x8000;
}
