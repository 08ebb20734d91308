using DeployDirector.Dns.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Dns;

/// <summary>The codec against random input: it never throws, and what it writes it reads back unchanged.</summary>
public sealed class DnsCodecProperties
{
    private static readonly Config s_runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void Random_bytes_never_throw_out_of_the_parser()
    {
        Prop.ForAll(Arb.From(DnsGen.Bytes(600)), bytes =>
        {
            DnsParseStatus status = DnsMessageParser.TryParse(bytes, out _, out _);
            Assert.Equal(bytes.Length < DnsWire.HeaderSize, status == DnsParseStatus.NoHeader);
        }).Check(s_runs);
    }

    // Random bytes rarely get past the counts; damaged valid messages reach every later check.
    private static Gen<byte[]> Damaged =>
        from message in DnsGen.Message
        let bytes = DnsGen.Encode(message)
        from cut in Gen.Choose(0, bytes.Length)
        from hits in Gen.ArrayOf(from at in Gen.Choose(0, Math.Max(0, bytes.Length - 1)) from value in Gen.Choose(0, 255) select (at, (byte)value), 3)
        select Damage(bytes, cut, hits);

    private static byte[] Damage(byte[] bytes, int cut, (int At, byte Value)[] hits)
    {
        byte[] damaged = bytes[..cut];
        foreach ((int at, byte value) in hits.Where(h => h.At < damaged.Length))
        {
            damaged[at] = value;
        }
        return damaged;
    }

    [Fact]
    public void Damaged_messages_never_throw_and_whatever_parses_encodes_again()
    {
        Prop.ForAll(Arb.From(Damaged), bytes =>
        {
            if (DnsMessageParser.TryParse(bytes, out _, out DnsMessage message) == DnsParseStatus.Ok)
            {
                byte[] again = DnsGen.Encode(message);
                Assert.Equal(DnsParseStatus.Ok, DnsMessageParser.TryParse(again, out _, out DnsMessage reread));
                AssertSame(message, reread);
            }
        }).Check(s_runs);
    }

    [Fact]
    public void Random_valid_messages_round_trip()
    {
        Prop.ForAll(Arb.From(DnsGen.Message), message =>
        {
            byte[] bytes = DnsGen.Encode(message);
            Assert.Equal(DnsParseStatus.Ok, DnsMessageParser.TryParse(bytes, out _, out DnsMessage read));
            AssertSame(message, read);
            // The same octets again: names keep their exact spelling, not just an equal one.
            Assert.Equal(bytes, DnsGen.Encode(read));
        }).Check(s_runs);
    }

    [Fact]
    public void A_message_that_does_not_fit_is_refused_not_cut()
    {
        Prop.ForAll(Arb.From(from m in DnsGen.Message from room in Gen.Choose(0, 200) select (m, room)), pair =>
        {
            (DnsMessage message, int room) = pair;
            int needed = DnsGen.Encode(message).Length;
            bool fits = DnsMessageEncoder.TryEncode(message, new byte[room], out int written);
            Assert.Equal(needed <= room, fits);
            Assert.Equal(fits ? needed : 0, written);
        }).Check(s_runs);
    }

    private static void AssertSame(DnsMessage expected, DnsMessage actual)
    {
        Assert.Equal((expected.Id, expected.Flags, expected.Edns), (actual.Id, actual.Flags, actual.Edns));
        Assert.Equal(expected.Questions, actual.Questions);
        Assert.Equal(expected.Answers, actual.Answers);
        Assert.Equal(expected.Authority, actual.Authority);
        Assert.Equal(expected.Additional, actual.Additional);
    }
}
