using DeployDirector.Dns.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Dns;

/// <summary>Random valid names, records and messages for the codec's properties.</summary>
internal static class DnsGen
{
    private const string HostChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

    private static Gen<byte> Byte => Gen.Choose(0, 255).Select(i => (byte)i);

    private static Gen<ushort> UShort => Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i);

    private static Gen<uint> UInt => from high in UShort from low in UShort select ((uint)high << 16) | low;

    public static Gen<byte[]> Bytes(int max) => Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(Byte, n));

    // Mostly host-like labels; some hold any octet (dots and zero bytes included), which the wire allows.
    private static Gen<string> Label =>
        Gen.Frequency(
            (6, from n in Gen.Choose(1, 12) from cs in Gen.ArrayOf(Gen.Elements(HostChars.ToCharArray()), n) select new string(cs)),
            (1, from n in Gen.Choose(1, 63) from cs in Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (char)i), n) select new string(cs)));

    public static Gen<DnsName> Name =>
        from count in Gen.Frequency((1, Gen.Constant(0)), (8, Gen.Choose(1, 6)))
        from labels in Gen.ArrayOf(Label, count)
        select DnsName.TryCreate(labels, out DnsName name) ? name : DnsName.Root;

    // A small pool of names, so that compression pointers get written and followed.
    private static Gen<DnsName> NameFrom(DnsName[] pool) => Gen.Frequency((3, Gen.Elements(pool)), (1, Name));

    private static Gen<DnsRecordData> Data(ushort type, DnsName[] pool) => type switch
    {
        DnsWire.TypeA => UInt.Select(a => (DnsRecordData)new AddressData(a)),
        DnsWire.TypeNs => NameFrom(pool).Select(n => (DnsRecordData)new NameServerData(n)),
        DnsWire.TypeSoa =>
            from primary in NameFrom(pool)
            from mailbox in NameFrom(pool)
            from numbers in Gen.ArrayOf(UInt, 5)
            select (DnsRecordData)new SoaData(primary, mailbox, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]),
        DnsWire.TypeSrv =>
            from numbers in Gen.ArrayOf(UShort, 3)
            from target in NameFrom(pool)
            select (DnsRecordData)new SrvData(numbers[0], numbers[1], numbers[2], target),
        _ => Bytes(40).Select(b => (DnsRecordData)new RawData(b)),
    };

    private static Gen<DnsRecord> Record(DnsName[] pool) =>
        from type in Gen.Elements(DnsWire.TypeA, DnsWire.TypeNs, DnsWire.TypeSoa, DnsWire.TypeSrv, DnsWire.TypeAaaa, (ushort)16, (ushort)65280)
        from chaos in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        let @class = chaos ? (ushort)3 : DnsWire.ClassIn
        // Other classes carry their RDATA uninterpreted, whatever the type.
        from data in chaos ? Bytes(20).Select(b => (DnsRecordData)new RawData(b)) : Data(type, pool)
        from owner in NameFrom(pool)
        from ttl in UInt
        select new DnsRecord(owner, type, @class, ttl, data);

    private static Gen<DnsRecord[]> Records(DnsName[] pool) => Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Record(pool), n));

    private static Gen<DnsEdns?> Edns =>
        Gen.Frequency(
            (1, Gen.Constant<DnsEdns?>(null)),
            (1, from size in UShort from rcode in Byte from version in Byte from flags in UShort select (DnsEdns?)new DnsEdns(size, rcode, version, flags)));

    public static Gen<DnsMessage> Message =>
        from pool in Gen.ArrayOf(Name, 3)
        from id in UShort
        from flags in UShort
        from questionCount in Gen.Choose(0, 3)
        from questions in Gen.ArrayOf(from n in NameFrom(pool) from t in UShort from c in UShort select new DnsQuestion(n, t, c), questionCount)
        from answers in Records(pool)
        from authority in Records(pool)
        from additional in Records(pool)
        from edns in Edns
        select new DnsMessage
        {
            Id = id,
            Flags = flags,
            Questions = questions,
            Answers = answers,
            Authority = authority,
            Additional = additional,
            Edns = edns,
        };

    public static byte[] Encode(DnsMessage message)
    {
        byte[] buffer = new byte[DnsWire.MaxTcpMessage];
        Assert.True(DnsMessageEncoder.TryEncode(message, buffer, out int written));
        return buffer[..written];
    }
}
