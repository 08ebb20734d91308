using DeployDirector.Dns.Wire;

namespace DeployDirector.Tests.Dns;

/// <summary>The wire codec on hand-written messages: exact octets, and every way a message can be broken.</summary>
public sealed class DnsCodecTests
{
    private const string WebName = "03776562" + "0464656d6f" + "03756264" + "08696e7465726e616c" + "00";

    // What dig sends for `web.demo.ubd.internal A` with EDNS (1232, DO set) and RD.
    private static readonly byte[] s_query = Convert.FromHexString("123401000001000000000001" + WebName + "00010001" + "00" + "0029" + "04d0" + "00008000" + "0000");

    private static DnsParseStatus Parse(byte[] bytes, out DnsMessage message) => DnsMessageParser.TryParse(bytes, out _, out message);

    [Fact]
    public void A_query_with_edns_reads_as_written()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(s_query, out DnsMessage query));
        Assert.Equal(0x1234, query.Id);
        Assert.True(query.Has(DnsWire.FlagRd));
        DnsQuestion question = Assert.Single(query.Questions);
        Assert.Equal("web.demo.ubd.internal.", question.Name.ToString());
        Assert.Equal((DnsWire.TypeA, DnsWire.ClassIn), (question.Type, question.Class));
        Assert.Empty(query.Additional);
        Assert.Equal(new DnsEdns(1232, 0, 0, DnsWire.EdnsFlagDo), query.Edns);
    }

    [Fact]
    public void An_answer_points_back_at_the_question_name()
    {
        DnsName name = DnsQueries.Name("web.demo.ubd.internal");
        var response = new DnsMessage
        {
            Id = 0x1234,
            Flags = DnsWire.FlagQr | DnsWire.FlagAa | DnsWire.FlagRd,
            Questions = [new DnsQuestion(name, DnsWire.TypeA, DnsWire.ClassIn)],
            Answers = [new DnsRecord(name, DnsWire.TypeA, DnsWire.ClassIn, 5, new AddressData(0x0A000001))],
        };
        string expected = "123485000001000100000000" + WebName + "00010001" + "c00c" + "0001" + "0001" + "00000005" + "0004" + "0a000001";
        Assert.Equal(expected, Convert.ToHexString(DnsGen.Encode(response)).ToLowerInvariant());
    }

    [Fact]
    public void Srv_targets_are_written_whole_and_name_servers_compressed()
    {
        DnsName service = DnsQueries.Name("_http._tcp.web.demo.ubd.internal");
        DnsName apex = DnsQueries.Name("ubd.internal");
        var response = new DnsMessage
        {
            Questions = [new DnsQuestion(service, DnsWire.TypeSrv, DnsWire.ClassIn)],
            Answers = [new DnsRecord(service, DnsWire.TypeSrv, DnsWire.ClassIn, 5, new SrvData(0, 10, 8080, DnsQueries.Name("0.web.demo.ubd.internal")))],
            Authority = [new DnsRecord(apex, DnsWire.TypeNs, DnsWire.ClassIn, 5, new NameServerData(apex))],
        };
        string hex = Convert.ToHexString(DnsGen.Encode(response)).ToLowerInvariant();
        // RFC 2782: priority, weight, port, then the target with no pointer.
        Assert.Contains("0000" + "000a" + "1f90" + "0130" + WebName, hex, StringComparison.Ordinal);
        // The NS record: owner and host are both pointers into the question (two octets of RDATA).
        Assert.EndsWith("0002" + "0001" + "00000005" + "0002" + "c0", hex[..^2], StringComparison.Ordinal);
        Assert.Equal(response.Answers, DnsQueries.Parse(Convert.FromHexString(hex)).Answers);
    }

    [Fact]
    public void Fewer_octets_than_a_header_cannot_be_answered()
    {
        for (int length = 0; length < DnsWire.HeaderSize; length++)
        {
            Assert.Equal(DnsParseStatus.NoHeader, Parse(s_query[..length], out _));
        }
    }

    [Fact]
    public void Every_cut_of_a_message_is_malformed_yet_keeps_its_header()
    {
        for (int length = DnsWire.HeaderSize; length < s_query.Length; length++)
        {
            Assert.Equal(DnsParseStatus.Malformed, DnsMessageParser.TryParse(s_query.AsSpan(0, length), out DnsHeader header, out _));
            Assert.Equal(0x1234, header.Id);
        }
    }

    [Fact]
    public void Trailing_octets_are_malformed() => Assert.Equal(DnsParseStatus.Malformed, Parse([.. s_query, 0], out _));

    private static byte[] WithQuestionName(string nameHex) => Convert.FromHexString("000100000001000000000000" + nameHex + "00010001");

    [Fact]
    public void A_pointer_to_itself_is_a_loop_and_fails()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName("c00c"), out _));
    }

    [Fact]
    public void A_loop_through_a_label_fails()
    {
        // "a" at offset 12, then a pointer back to 12: a, a, a, … until the jump limit.
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName("0161c00c"), out _));
    }

    [Fact]
    public void A_forward_pointer_fails()
    {
        // The question's name points at the answer's owner "a." at offset 18, which comes later.
        const string answer = "016100" + "0001" + "0001" + "00000005" + "0004" + "0a000001";
        Assert.Equal(DnsParseStatus.Malformed, Parse(Convert.FromHexString("000100000001000100000000" + "c012" + "00010001" + answer), out _));
        Assert.Equal(DnsParseStatus.Ok, Parse(Convert.FromHexString("000100000001000100000000" + "016100" + "00010001" + "c00c" + answer[6..]), out _));
    }

    /// <summary>
    /// Two records: the first's raw RDATA (at offset 23) holds a root name followed by pointers,
    /// each to the one before it; the second's owner points at the last, so reading it takes
    /// <paramref name="jumps"/> jumps.
    /// </summary>
    private static byte[] PointerChain(int jumps)
    {
        const int rdata = 23;
        int links = jumps - 1;
        var chain = new List<byte> { 0 };
        for (int i = 1; i <= links; i++)
        {
            int previous = i == 1 ? rdata : rdata + 1 + (2 * (i - 2));
            chain.AddRange([(byte)(0xC0 | (previous >> 8)), (byte)previous]);
        }
        int last = links == 0 ? rdata : rdata + 1 + (2 * (links - 1));
        byte[] header = Convert.FromHexString("000100000000000200000000");
        byte[] first = [0, 0xFF, 0x00, 0, 1, 0, 0, 0, 0, (byte)(chain.Count >> 8), (byte)chain.Count, .. chain];
        byte[] second = [(byte)(0xC0 | (last >> 8)), (byte)last, 0xFF, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        return [.. header, .. first, .. second];
    }

    private static bool ChainParses(int jumps) => DnsMessageParser.TryParse(PointerChain(jumps), out _, out _) == DnsParseStatus.Ok;

    [Fact]
    public void Pointer_chains_are_followed_up_to_the_jump_limit()
    {
        Assert.True(ChainParses(1));
        Assert.True(ChainParses(3));
        Assert.True(ChainParses(DnsWire.MaxPointerJumps));
        Assert.False(ChainParses(DnsWire.MaxPointerJumps + 1));
    }

    [Fact]
    public void Reserved_label_types_fail()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName("4161" + "00"), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName("8161" + "00"), out _));
    }

    [Fact]
    public void Labels_longer_than_63_and_names_longer_than_255_fail()
    {
        string label63 = "3f" + new string('a', 126);
        Assert.Equal(DnsParseStatus.Ok, Parse(WithQuestionName(label63 + "00"), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName("40" + new string('a', 128) + "00"), out _));
        // Three 63-octet labels and one of 61: 64 * 3 + 62 + 1 = 255 octets, the most there may be.
        string longest = label63 + label63 + label63 + "3d" + new string('a', 122);
        Assert.Equal(DnsParseStatus.Ok, Parse(WithQuestionName(longest + "00"), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithQuestionName(label63 + label63 + label63 + "3e" + new string('a', 124) + "00"), out _));
    }

    [Fact]
    public void Counts_that_promise_more_than_is_there_fail()
    {
        byte[] bytes = (byte[])s_query.Clone();
        bytes[7] = 0xFF;
        Assert.Equal(DnsParseStatus.Malformed, Parse(bytes, out _));
    }

    private static byte[] WithAdditional(string records, int count) =>
        Convert.FromHexString("00010000000100000000" + count.ToString("x4", System.Globalization.CultureInfo.InvariantCulture) + WebName + "00010001" + records);

    private const string Opt = "00" + "0029" + "04d0" + "00000000" + "0000";

    [Fact]
    public void Edns_is_read_once_from_the_additional_section_only()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(WithAdditional(Opt, 1), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional(Opt + Opt, 2), out _));
        byte[] inAnswers = Convert.FromHexString("000100000001000100000000" + WebName + "00010001" + Opt);
        Assert.Equal(DnsParseStatus.Malformed, Parse(inAnswers, out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("016100" + "0029" + "04d0" + "00000000" + "0000", 1), out _));
    }

    [Fact]
    public void Edns_options_must_fill_the_record_exactly()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(WithAdditional("00" + "0029" + "04d0" + "00000000" + "000c" + "000a" + "0008" + "0102030405060708", 1), out DnsMessage withCookie));
        Assert.Equal(1232, withCookie.Edns!.UdpPayloadSize);
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("00" + "0029" + "04d0" + "00000000" + "000c" + "000a" + "0009" + "0102030405060708", 1), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("00" + "0029" + "04d0" + "00000000" + "0003" + "000a00", 1), out _));
    }

    [Fact]
    public void Record_data_must_be_as_long_as_its_type_says()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(WithAdditional("c00c" + "0001" + "0001" + "00000005" + "0004" + "0a000001", 1), out DnsMessage ok));
        Assert.Equal(new AddressData(0x0A000001), ok.Additional[0].Data);
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("c00c" + "0001" + "0001" + "00000005" + "0005" + "0a00000100", 1), out _));
        // An NS whose host runs past its RDATA.
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("c00c" + "0002" + "0001" + "00000005" + "0001" + "016100", 1), out _));
        Assert.Equal(DnsParseStatus.Malformed, Parse(WithAdditional("c00c" + "0001" + "0001" + "00000005" + "0400" + "0a000001", 1), out _));
    }

    [Fact]
    public void Names_print_with_escapes_and_compare_ignoring_ascii_case_only()
    {
        Assert.True(DnsName.TryCreate(["a.b", "c\\d", "e\u0001", "Caf\u00e9"], out DnsName odd));
        Assert.Equal("a\\.b.c\\\\d.e\\001.Caf\\233.", odd.ToString());
        Assert.Equal(DnsQueries.Name("WEB.Demo.ubd.INTERNAL."), DnsQueries.Name("web.demo.ubd.internal"));
        Assert.True(DnsName.TryCreate(["CAF\u00c9"], out DnsName upper));
        Assert.True(DnsName.TryCreate(["caf\u00e9"], out DnsName lower));
        Assert.NotEqual(upper, lower);
        Assert.Equal(".", DnsName.Root.ToString());
        Assert.False(DnsName.TryParse("a..b", out _));
        Assert.False(DnsName.TryCreate([new string('a', 64)], out _));
    }
}
