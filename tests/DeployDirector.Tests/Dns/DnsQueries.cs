using DeployDirector.Dns.Wire;

namespace DeployDirector.Tests.Dns;

/// <summary>Builds queries as a stub resolver sends them and reads the answers back.</summary>
internal static class DnsQueries
{
    public static DnsName Name(string text)
    {
        Assert.True(DnsName.TryParse(text, out DnsName name), text);
        return name;
    }

    public static DnsMessage Query(string name, ushort type, ushort? udpSize = null, ushort id = 0x4242, ushort @class = DnsWire.ClassIn) => new()
    {
        Id = id,
        Flags = DnsWire.FlagRd,
        Questions = [new DnsQuestion(Name(name), type, @class)],
        Edns = udpSize is { } size ? new DnsEdns(size, 0, 0, 0) : null,
    };

    public static byte[] Bytes(string name, ushort type, ushort? udpSize = null, ushort id = 0x4242) => DnsGen.Encode(Query(name, type, udpSize, id));

    public static DnsMessage Parse(ReadOnlySpan<byte> response)
    {
        Assert.Equal(DnsParseStatus.Ok, DnsMessageParser.TryParse(response, out _, out DnsMessage message));
        return message;
    }
}
