using DeployDirector.Dns;
using DeployDirector.Dns.Wire;
using DeployDirector.Dns.Zone;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployDirector.Tests.Dns;

/// <summary>Whatever the group's size and the client's payload size, a UDP answer fits, and it is whole or marked truncated.</summary>
public sealed class DnsTruncationProperties
{
    private static Gen<ushort?> UdpSize =>
        Gen.Frequency(
            (1, Gen.Constant<ushort?>(null)),
            (2, Gen.Choose(0, 2000).Select(s => (ushort?)s)),
            (1, Gen.Choose(2000, ushort.MaxValue).Select(s => (ushort?)s)));

    [Fact]
    public void Udp_answers_fit_the_client_and_are_whole_or_truncated()
    {
        var directory = new MemoryDirectory();
        var responder = new DnsResponder(directory, new DnsZone(new DnsOptions()), TimeProvider.System, NullLogger.Instance);
        Gen<(int Members, ushort? Size, bool Srv)> cases = from members in Gen.Choose(0, 200) from size in UdpSize from srv in Gen.Elements(false, true) select (members, size, srv);
        Prop.ForAll(Arb.From(cases), c =>
        {
            directory.Set(MemoryDirectory.Web([.. Enumerable.Range(0, c.Members)]));
            string name = c.Srv ? "_http._tcp.web.demo.ubd.internal" : "web.demo.ubd.internal";
            byte[] buffer = new byte[DnsWire.MaxTcpMessage];
            int udp = responder.Respond(DnsQueries.Bytes(name, c.Srv ? DnsWire.TypeSrv : DnsWire.TypeA, c.Size), buffer, overUdp: true);
            int limit = c.Size is { } size ? Math.Clamp((int)size, 512, 1232) : 512;
            Assert.InRange(udp, DnsWire.HeaderSize, limit);
            DnsMessage reply = DnsQueries.Parse(buffer.AsSpan(0, udp));
            if (reply.Has(DnsWire.FlagTc))
            {
                Assert.Empty(reply.Answers);
            }
            else
            {
                Assert.Equal(c.Members, reply.Answers.Count);
            }
            Assert.Equal(c.Size is not null, reply.Edns is not null);

            // Over TCP the same question always gets every answer and its addresses.
            int tcp = responder.Respond(DnsQueries.Bytes(name, c.Srv ? DnsWire.TypeSrv : DnsWire.TypeA, c.Size), buffer, overUdp: false);
            DnsMessage whole = DnsQueries.Parse(buffer.AsSpan(0, tcp));
            Assert.False(whole.Has(DnsWire.FlagTc));
            Assert.Equal((c.Members, c.Srv ? c.Members : 0), (whole.Answers.Count, whole.Additional.Count));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Random_and_damaged_requests_never_throw_out_of_the_responder()
    {
        var directory = new MemoryDirectory();
        directory.Set(MemoryDirectory.Web(0, 1));
        var responder = new DnsResponder(directory, new DnsZone(new DnsOptions()), TimeProvider.System, NullLogger.Instance);
        Gen<byte[]> requests = Gen.OneOf(DnsGen.Bytes(300), DnsGen.Message.Select(DnsGen.Encode));
        Prop.ForAll(Arb.From(requests), bytes =>
        {
            byte[] buffer = new byte[DnsWire.MaxUdpPayload];
            int length = responder.Respond(bytes, buffer, overUdp: true);
            if (length > 0)
            {
                Assert.Equal(DnsParseStatus.Ok, DnsMessageParser.TryParse(buffer.AsSpan(0, length), out _, out DnsMessage reply));
                Assert.True(reply.Has(DnsWire.FlagQr));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }
}
