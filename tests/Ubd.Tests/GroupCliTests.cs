using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ubd.Tests;

/// <summary>
/// `ubd group …`, `ubd node quiesce|unquiesce|spare` and `ubd serve --dns-listen` as operators run
/// them: help that lists the commands, usage errors (exit 2) and refusals (exit 3 for what does
/// not exist) that say what to do next, JSON on request, and a DNS listener the real `dig` reaches.
/// </summary>
public sealed partial class GroupCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ubd-cli-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task Help_lists_the_group_commands_and_the_node_switches()
    {
        (int exit, string root, _) = await UbdProcess.RunAsync("--help");
        Assert.Equal(0, exit);
        Assert.Matches(@"\n\s+group\s+Service groups", root);
        (_, string group, _) = await UbdProcess.RunAsync("group", "--help");
        foreach (string command in new[] { "status", "endpoints", "resume", "events" })
        {
            Assert.Matches($@"\n\s+{command} ", group);
        }
        (_, string node, _) = await UbdProcess.RunAsync("node", "--help");
        foreach (string command in new[] { "list", "fence", "unfence", "quiesce", "unquiesce", "spare" })
        {
            Assert.Matches($@"\n\s+{command} ", node);
        }
        (_, string events, _) = await UbdProcess.RunAsync("group", "events", "--help");
        Assert.Contains("--follow", events, StringComparison.Ordinal);
        Assert.Contains("--json", events, StringComparison.Ordinal);
        (_, string serve, _) = await UbdProcess.RunAsync("serve", "--help");
        Assert.Contains("--dns-listen", serve, StringComparison.Ordinal);
        Assert.Contains("--dns-zone", serve, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_and_events_of_a_director_without_deployments_say_so_in_text_and_json()
    {
        (int exit, string text, string error) = await UbdProcess.RunAsync("group", "status", "--data", _data.FullName);
        Assert.True(exit == 0, error);
        Assert.Contains("no service groups", text, StringComparison.Ordinal);
        (exit, text, error) = await UbdProcess.RunAsync("group", "status", "--json", "--data", _data.FullName);
        Assert.True(exit == 0, error);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(text).RootElement.ValueKind);
        Assert.Equal(0, JsonDocument.Parse(text).RootElement.GetArrayLength());
        (exit, text, error) = await UbdProcess.RunAsync("group", "events", "--json", "--data", _data.FullName);
        Assert.True(exit == 0, error);
        Assert.Equal(0, JsonDocument.Parse(text).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_group_or_node_is_exit_3_with_the_command_that_lists_them()
    {
        (int exit, _, string error) = await UbdProcess.RunAsync("group", "status", "demo/web", "--data", _data.FullName);
        Assert.Equal(3, exit);
        Assert.Contains("ubd group status", error, StringComparison.Ordinal);
        (exit, _, error) = await UbdProcess.RunAsync("group", "resume", "demo/web", "--data", _data.FullName);
        Assert.Equal(3, exit);
        (exit, _, error) = await UbdProcess.RunAsync("node", "quiesce", "52:54:00:aa:ee:01", "--data", _data.FullName);
        Assert.Equal(3, exit);
        Assert.Contains("ubd stemcell list", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("group", "endpoints", "web")]
    [InlineData("group", "resume", "demo/web/0")]
    [InlineData("group", "events", "demo/")]
    [InlineData("node", "spare", "52:54:00:aa:ee:01")]
    [InlineData("node", "spare", "52:54:00:aa:ee:01", "--group", "demo/web", "--none")]
    [InlineData("node", "spare", "52:54:00:aa:ee:01", "--group", "web")]
    public async Task A_malformed_group_or_spare_choice_is_a_usage_error_that_shows_the_form(params string[] args)
    {
        (int exit, _, string error) = await UbdProcess.RunAsync([.. args, "--data", _data.FullName]);
        Assert.Equal(2, exit);
        Assert.Matches("DEPLOYMENT/GROUP", error);
        Assert.Contains("ubd --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_dns_listen_answers_dig_for_its_zone_and_refuses_a_bad_address()
    {
        (int exit, _, string error) = await UbdProcess.RunAsync("serve", "--data", _data.FullName, "--dns-listen", "nowhere");
        Assert.Equal(2, exit);
        Assert.Contains("--dns-listen 'nowhere' is not ADDR:PORT or 'none'", error, StringComparison.Ordinal);

        using Process serve = Process.Start(UbdProcess.StartInfo("serve", "--data", _data.FullName, "--nbd-listen", "127.0.0.1:0", "--http-listen", "none",
            "--dns-listen", "127.0.0.1:0", "--dns-zone", "groups.test"))!;
        try
        {
            IPEndPoint dns = await DnsEndPointAsync(serve);
            (int digExit, string answer) = await DigAsync("@" + dns.Address, "-p", dns.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "groups.test.", "SOA", "+short", "+tries=1", "+time=5");
            Assert.Equal(0, digExit);
            Assert.StartsWith("groups.test. hostmaster.groups.test. ", answer.Trim(), StringComparison.Ordinal);
            (_, string status) = await DigAsync("@" + dns.Address, "-p", dns.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "web.demo.groups.test.", "A", "+tries=1", "+time=5");
            Assert.Contains("status: NXDOMAIN", status, StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    /// <summary>Reads the server's output until it names its DNS listener (the line scripts wait for follows it).</summary>
    private static async Task<IPEndPoint> DnsEndPointAsync(Process serve)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await serve.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (DnsLine().Match(line) is { Success: true } match)
            {
                return IPEndPoint.Parse(match.Groups[1].Value);
            }
        }
        throw new Xunit.Sdk.XunitException($"ubd serve ended without a DNS line: {await serve.StandardError.ReadToEndAsync()}");
    }

    /// <summary>The real dig; a machine without it fails this test rather than skipping it.</summary>
    private static async Task<(int Exit, string Out)> DigAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process dig = Process.Start(start)!;
        Task<string> output = dig.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await dig.WaitForExitAsync(timeout.Token);
        return (dig.ExitCode, await output);
    }

    [GeneratedRegex(@"^ubd: DNS for service groups on (\S+) ")]
    private static partial Regex DnsLine();
}
