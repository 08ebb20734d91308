using System.Net;
using DeployDirector.Dns;
using DeployDirector.Dns.Wire;
using DeployDirector.Dns.Zone;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployDirector.Tests.Dns;

/// <summary>The zone's answers and the protocol's checks, without sockets.</summary>
public sealed class DnsResponderTests
{
    private readonly MemoryDirectory _directory = new();
    private readonly DnsResponder _responder;

    public DnsResponderTests()
    {
        _directory.Set(MemoryDirectory.Web(0, 1, 2), MemoryDirectory.Group("demo", "db", 0));
        _responder = Responder(new DnsOptions());
    }

    private DnsResponder Responder(DnsOptions options) => new(_directory, new DnsZone(options), options.Clock, NullLogger.Instance);

    private byte[]? RespondBytes(byte[] request, bool overUdp = true, DnsResponder? responder = null)
    {
        byte[] buffer = new byte[DnsWire.MaxTcpMessage];
        int length = (responder ?? _responder).Respond(request, buffer, overUdp);
        return length == 0 ? null : buffer[..length];
    }

    private DnsMessage Ask(string name, ushort type, ushort? udpSize = null, DnsResponder? responder = null) =>
        DnsQueries.Parse(RespondBytes(DnsQueries.Bytes(name, type, udpSize), responder: responder)!);

    private static string[] Addresses(DnsMessage reply) => [.. reply.Answers.Select(r => r.Data.ToString()!)];

    [Fact]
    public void A_group_name_answers_every_available_member()
    {
        DnsMessage reply = Ask("web.demo.ubd.internal", DnsWire.TypeA);
        Assert.Equal(DnsWire.RcodeNoError, reply.Rcode);
        Assert.True(reply.Has(DnsWire.FlagAa) && reply.Has(DnsWire.FlagQr) && reply.Has(DnsWire.FlagRd));
        Assert.False(reply.Has(DnsWire.FlagRa));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Addresses(reply));
        Assert.All(reply.Answers, r => Assert.Equal(5u, r.Ttl));

        _directory.Set(MemoryDirectory.Web(2));
        Assert.Equal(["10.0.0.3"], Addresses(Ask("web.demo.ubd.internal", DnsWire.TypeA)));
    }

    [Fact]
    public void Names_match_whatever_their_case()
    {
        DnsMessage reply = Ask("WEB.Demo.UBD.internal", DnsWire.TypeA);
        Assert.Equal(3, reply.Answers.Count);
        Assert.Equal("WEB.Demo.UBD.internal.", reply.Answers[0].Name.ToString());
    }

    [Fact]
    public void A_member_name_answers_while_the_member_is_available()
    {
        Assert.Equal(["10.0.0.2"], Addresses(Ask("1.web.demo.ubd.internal", DnsWire.TypeA)));
        _directory.Set(MemoryDirectory.Web(0, 2));
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("1.web.demo.ubd.internal", DnsWire.TypeA).Rcode);
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("01.web.demo.ubd.internal", DnsWire.TypeA).Rcode);
    }

    [Fact]
    public void Srv_names_each_available_member_with_its_address_alongside()
    {
        DnsMessage reply = Ask("_http._tcp.web.demo.ubd.internal", DnsWire.TypeSrv);
        Assert.Equal(
            ["0 10 8080 0.web.demo.ubd.internal.", "0 10 8080 1.web.demo.ubd.internal.", "0 10 8080 2.web.demo.ubd.internal."],
            reply.Answers.Select(r => r.Data is SrvData s ? $"{s.Priority} {s.Weight} {s.Port} {s.Target}" : "?"));
        Assert.Equal(["0.web.demo.ubd.internal. 10.0.0.1", "1.web.demo.ubd.internal. 10.0.0.2", "2.web.demo.ubd.internal. 10.0.0.3"],
            reply.Additional.Select(r => $"{r.Name} {r.Data}"));
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("_ssh._tcp.web.demo.ubd.internal", DnsWire.TypeSrv).Rcode);
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("http._tcp.web.demo.ubd.internal", DnsWire.TypeSrv).Rcode);
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("_http._udp.web.demo.ubd.internal", DnsWire.TypeSrv).Rcode);
    }

    [Fact]
    public void Names_that_exist_but_lack_the_type_answer_nodata_with_the_soa()
    {
        foreach ((string name, ushort type) in new[]
        {
            ("web.demo.ubd.internal", DnsWire.TypeAaaa),
            ("web.demo.ubd.internal", (ushort)16),
            ("demo.ubd.internal", DnsWire.TypeA),
            ("_tcp.web.demo.ubd.internal", DnsWire.TypeSrv),
            ("_http._tcp.web.demo.ubd.internal", DnsWire.TypeA),
            ("ubd.internal", DnsWire.TypeA),
        })
        {
            DnsMessage reply = Ask(name, type);
            Assert.True(reply.Rcode == DnsWire.RcodeNoError && reply.Answers.Count == 0 && reply.Has(DnsWire.FlagAa), name);
            DnsRecord soa = Assert.Single(reply.Authority);
            Assert.Equal((DnsWire.TypeSoa, 2u), (soa.Type, soa.Ttl));
            Assert.Equal(2u, ((SoaData)soa.Data).Minimum);
        }
    }

    [Fact]
    public void A_group_with_no_available_member_still_exists()
    {
        _directory.Set(MemoryDirectory.Web());
        DnsMessage reply = Ask("web.demo.ubd.internal", DnsWire.TypeA);
        Assert.Equal(DnsWire.RcodeNoError, reply.Rcode);
        Assert.Empty(reply.Answers);
        Assert.Empty(Ask("_http._tcp.web.demo.ubd.internal", DnsWire.TypeSrv).Answers);
    }

    [Fact]
    public void Names_that_do_not_exist_answer_nxdomain_with_the_soa()
    {
        foreach (string name in new[] { "nope.demo.ubd.internal", "web.nope.ubd.internal", "nope.ubd.internal", "9.web.demo.ubd.internal", "a.b.c.web.demo.ubd.internal", "x._tcp.web.demo.ubd.internal" })
        {
            DnsMessage reply = Ask(name, DnsWire.TypeA);
            Assert.True(reply.Rcode == DnsWire.RcodeNxDomain && reply.Has(DnsWire.FlagAa), name);
            Assert.Equal(DnsWire.TypeSoa, Assert.Single(reply.Authority).Type);
        }
    }

    [Fact]
    public void Any_answers_every_record_at_the_name()
    {
        Assert.Equal(3, Ask("web.demo.ubd.internal", DnsWire.TypeAny).Answers.Count);
        Assert.Equal([DnsWire.TypeSoa, DnsWire.TypeNs], Ask("ubd.internal", DnsWire.TypeAny).Answers.Select(r => r.Type));
    }

    [Fact]
    public void The_apex_has_soa_and_ns_and_with_an_address_its_own_a()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        DnsResponder responder = Responder(new DnsOptions { NameServerAddress = IPAddress.Parse("192.0.2.53"), Clock = clock });
        var soa = (SoaData)Assert.Single(Ask("ubd.internal", DnsWire.TypeSoa, responder: responder).Answers).Data;
        Assert.Equal(new SoaData(DnsQueries.Name("ubd.internal"), DnsQueries.Name("hostmaster.ubd.internal"), 1_800_000_000, 60, 10, 600, 2), soa);
        DnsMessage ns = Ask("ubd.internal", DnsWire.TypeNs, responder: responder);
        Assert.Equal(new NameServerData(DnsQueries.Name("ubd.internal")), Assert.Single(ns.Answers).Data);
        Assert.Equal("192.0.2.53", Assert.Single(ns.Additional).Data.ToString());
        Assert.Equal(["192.0.2.53"], Addresses(Ask("ubd.internal", DnsWire.TypeA, responder: responder)));
    }

    [Fact]
    public void Names_outside_the_zone_and_other_classes_are_refused()
    {
        foreach (string name in new[] { "example.com", "internal", ".", "web.demo.ubd.internal.evil" })
        {
            DnsMessage reply = Ask(name, DnsWire.TypeA);
            Assert.True(reply.Rcode == DnsWire.RcodeRefused && !reply.Has(DnsWire.FlagAa) && !reply.Has(DnsWire.FlagRa), name);
            Assert.Empty(reply.Answers);
        }
        byte[] chaos = DnsGen.Encode(DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA, @class: 3));
        Assert.Equal(DnsWire.RcodeRefused, DnsQueries.Parse(RespondBytes(chaos)!).Rcode);
    }

    [Fact]
    public void Another_zone_is_served_when_configured()
    {
        DnsResponder responder = Responder(new DnsOptions { Zone = "svc.example" });
        Assert.Equal(3, Ask("web.demo.svc.example", DnsWire.TypeA, responder: responder).Answers.Count);
        Assert.Equal(DnsWire.RcodeRefused, Ask("web.demo.ubd.internal", DnsWire.TypeA, responder: responder).Rcode);
        Assert.Throws<ArgumentException>(() => new DnsZone(new DnsOptions { Zone = "." }));
        Assert.Throws<ArgumentException>(() => new DnsZone(new DnsOptions { Zone = "a..b" }));
    }

    [Fact]
    public void Members_without_an_ipv4_address_and_ports_out_of_range_are_left_out()
    {
        _directory.Set(new ServiceEndpoints("demo", "web",
            [new MemberEndpoint(0, "10.0.0.1"), new MemberEndpoint(1, "::1"), new MemberEndpoint(2, "not-an-address"), new MemberEndpoint(-1, "10.0.0.9"), new MemberEndpoint(0, "10.0.0.7")],
            new Dictionary<string, int> { ["http"] = 0, ["HTTPS"] = 8443 }));
        Assert.Equal(["10.0.0.1"], Addresses(Ask("web.demo.ubd.internal", DnsWire.TypeA)));
        Assert.Equal(DnsWire.RcodeNxDomain, Ask("_http._tcp.web.demo.ubd.internal", DnsWire.TypeSrv).Rcode);
        Assert.Equal(8443, ((SrvData)Assert.Single(Ask("_https._tcp.web.demo.ubd.internal", DnsWire.TypeSrv).Answers).Data).Port);
    }

    [Fact]
    public void Edns_answers_carry_opt_with_the_servers_size_and_the_do_bit()
    {
        DnsMessage query = DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA) with { Edns = new DnsEdns(4096, 0, 0, DnsWire.EdnsFlagDo | 0x0001) };
        DnsMessage reply = DnsQueries.Parse(RespondBytes(DnsGen.Encode(query))!);
        Assert.Equal(new DnsEdns(DnsWire.MaxUdpPayload, 0, 0, DnsWire.EdnsFlagDo), reply.Edns);
        Assert.Null(Ask("web.demo.ubd.internal", DnsWire.TypeA).Edns);
    }

    [Fact]
    public void An_unknown_edns_version_answers_badvers()
    {
        DnsMessage query = DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA) with { Edns = new DnsEdns(1232, 0, 1, 0) };
        DnsMessage reply = DnsQueries.Parse(RespondBytes(DnsGen.Encode(query))!);
        Assert.Equal(DnsWire.RcodeBadVers, reply.Rcode);
        Assert.Empty(reply.Answers);
    }

    [Fact]
    public void Broken_requests_are_dropped_or_answered_formerr()
    {
        Assert.Null(RespondBytes([0x12, 0x34, 0x01]));
        byte[] cut = DnsQueries.Bytes("web.demo.ubd.internal", DnsWire.TypeA, id: 0xBEEF)[..20];
        DnsMessage formErr = DnsQueries.Parse(RespondBytes(cut)!);
        Assert.Equal((0xBEEF, DnsWire.RcodeFormErr), (formErr.Id, formErr.Rcode));
        Assert.True(formErr.Has(DnsWire.FlagQr) && formErr.Has(DnsWire.FlagRd));
        Assert.Empty(formErr.Questions);

        DnsMessage twoQuestions = DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA);
        twoQuestions = twoQuestions with { Questions = [.. twoQuestions.Questions, .. twoQuestions.Questions] };
        Assert.Equal(DnsWire.RcodeFormErr, DnsQueries.Parse(RespondBytes(DnsGen.Encode(twoQuestions))!).Rcode);
        DnsMessage none = DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA) with { Questions = [] };
        Assert.Equal(DnsWire.RcodeFormErr, DnsQueries.Parse(RespondBytes(DnsGen.Encode(none))!).Rcode);
    }

    [Fact]
    public void Responses_are_never_answered()
    {
        DnsMessage response = DnsQueries.Query("web.demo.ubd.internal", DnsWire.TypeA) with { Flags = DnsWire.FlagQr };
        Assert.Null(RespondBytes(DnsGen.Encode(response)));
        Assert.Null(RespondBytes(DnsGen.Encode(response)[..14]));
    }

    [Fact]
    public void Other_opcodes_are_not_implemented()
    {
        DnsMessage notify = DnsQueries.Query("ubd.internal", DnsWire.TypeSoa) with { Flags = 4 << DnsWire.OpcodeShift };
        DnsMessage reply = DnsQueries.Parse(RespondBytes(DnsGen.Encode(notify))!);
        Assert.Equal(DnsWire.RcodeNotImp, reply.Rcode);
        Assert.Equal(4, reply.Header.Opcode);
    }

    [Fact]
    public void A_failing_directory_or_a_broken_snapshot_answers_servfail()
    {
        _directory.Failing = () => throw new InvalidOperationException("engine down");
        Assert.Equal(DnsWire.RcodeServFail, Ask("web.demo.ubd.internal", DnsWire.TypeA).Rcode);
        _directory.Failing = () => [new ServiceEndpoints("demo", "web", null!, null!)];
        Assert.Equal(DnsWire.RcodeServFail, Ask("web.demo.ubd.internal", DnsWire.TypeA).Rcode);
        _directory.Failing = null;
        Assert.Equal(DnsWire.RcodeNoError, Ask("web.demo.ubd.internal", DnsWire.TypeA).Rcode);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
