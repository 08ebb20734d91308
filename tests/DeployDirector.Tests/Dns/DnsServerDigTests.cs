using System.Net;
using DeployDirector.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployDirector.Tests.Dns;

/// <summary>The real server on a loopback port of its own, asked by the real dig over UDP and TCP.</summary>
public sealed class DnsServerDigTests : IAsyncLifetime
{
    private readonly MemoryDirectory _directory = new();
    private readonly DnsServer _server;

    public DnsServerDigTests()
    {
        _directory.Set(MemoryDirectory.Web(0, 1, 2));
        _server = new DnsServer(_directory, new DnsOptions(), NullLogger.Instance);
    }

    public Task InitializeAsync() => _server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<DigTool.Result> Dig(params string[] arguments) => DigTool.DigAsync(_server.LocalEndPoint, arguments);

    private static string[] Sorted(DigTool.Result result) => [.. result.Lines.Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_follows_membership_between_queries()
    {
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Sorted(await Dig("web.demo.ubd.internal", "A", "+short")));
        _directory.Set(MemoryDirectory.Web(0, 2));
        Assert.Equal(["10.0.0.1", "10.0.0.3"], Sorted(await Dig("web.demo.ubd.internal", "A", "+short")));
        _directory.Set(MemoryDirectory.Web());
        DigTool.Result empty = await Dig("web.demo.ubd.internal", "A");
        Assert.Equal(("NOERROR", 0), (empty.Status, empty.Answers));
        Assert.Contains("aa", empty.Flags);
    }

    [Fact]
    public async Task A_member_resolves_while_available_then_is_gone()
    {
        Assert.Equal(["10.0.0.2"], (await Dig("1.web.demo.ubd.internal", "A", "+short")).Lines);
        _directory.Set(MemoryDirectory.Web(0, 2));
        Assert.Equal("NXDOMAIN", (await Dig("1.web.demo.ubd.internal", "A")).Status);
    }

    [Fact]
    public async Task Srv_lists_each_member_and_their_addresses()
    {
        Assert.Equal(["0 10 8080 0.web.demo.ubd.internal.", "0 10 8080 1.web.demo.ubd.internal.", "0 10 8080 2.web.demo.ubd.internal."],
            Sorted(await Dig("_http._tcp.web.demo.ubd.internal", "SRV", "+short")));
        DigTool.Result additional = await Dig("_http._tcp.web.demo.ubd.internal", "SRV", "+noall", "+additional", "+nottlid");
        Assert.Equal(["0.web.demo.ubd.internal. IN A 10.0.0.1", "1.web.demo.ubd.internal. IN A 10.0.0.2", "2.web.demo.ubd.internal. IN A 10.0.0.3"],
            additional.Lines.Select(l => string.Join(' ', l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Tcp_answers_the_same()
    {
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Sorted(await Dig("web.demo.ubd.internal", "A", "+tcp", "+short")));
        Assert.Equal(3, (await Dig("_http._tcp.web.demo.ubd.internal", "SRV", "+tcp", "+short")).Lines.Length);
    }

    [Fact]
    public async Task Names_outside_the_zone_are_refused_without_recursion()
    {
        DigTool.Result refused = await Dig("example.com", "A");
        Assert.Equal("REFUSED", refused.Status);
        Assert.DoesNotContain("ra", refused.Flags);
        Assert.DoesNotContain("aa", refused.Flags);
    }

    [Fact]
    public async Task Unknown_names_answer_nxdomain_with_the_zone_soa()
    {
        DigTool.Result missing = await Dig("nope.demo.ubd.internal", "A");
        Assert.Equal("NXDOMAIN", missing.Status);
        Assert.Contains("aa", missing.Flags);
        string soa = Assert.Single((await Dig("nope.demo.ubd.internal", "A", "+noall", "+authority")).Lines);
        Assert.Matches(@"^ubd\.internal\.\s+2\s+IN\s+SOA\s+ubd\.internal\. hostmaster\.ubd\.internal\. \d+ 60 10 600 2$", soa);
    }

    [Fact]
    public async Task Other_types_answer_nodata_and_case_does_not_matter()
    {
        DigTool.Result aaaa = await Dig("web.demo.ubd.internal", "AAAA");
        Assert.Equal(("NOERROR", 0), (aaaa.Status, aaaa.Answers));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3"], Sorted(await Dig("WEB.Demo.UBD.Internal", "A", "+short")));
        Assert.Matches(@"^ubd\.internal\. hostmaster\.ubd\.internal\. \d+ 60 10 600 2$", Assert.Single((await Dig("ubd.internal", "SOA", "+short")).Lines));
        Assert.Equal(["ubd.internal."], (await Dig("ubd.internal", "NS", "+short")).Lines);
    }

    [Fact]
    public async Task A_big_group_truncates_over_udp_and_dig_gets_it_all_over_tcp()
    {
        _directory.Set(MemoryDirectory.Web([.. Enumerable.Range(0, 300)]));
        DigTool.Result truncated = await Dig("web.demo.ubd.internal", "A", "+noedns", "+ignore");
        Assert.Contains("tc", truncated.Flags);
        Assert.Equal(0, truncated.Answers);
        Assert.Equal(300, (await Dig("web.demo.ubd.internal", "A", "+noedns", "+short")).Lines.Length);
        Assert.Equal(300, (await Dig("web.demo.ubd.internal", "A", "+bufsize=1232", "+short")).Lines.Length);
    }

    [Fact]
    public async Task Edns_lets_more_fit_in_one_datagram()
    {
        // 40 addresses need about 700 octets: too many for 512, room enough in 1232.
        _directory.Set(MemoryDirectory.Web([.. Enumerable.Range(0, 40)]));
        Assert.Contains("tc", (await Dig("web.demo.ubd.internal", "A", "+noedns", "+ignore")).Flags);
        DigTool.Result edns = await Dig("web.demo.ubd.internal", "A", "+bufsize=1232", "+ignore");
        Assert.DoesNotContain("tc", edns.Flags);
        Assert.Equal(40, edns.Answers);
    }
}
