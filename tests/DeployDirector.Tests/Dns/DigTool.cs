using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace DeployDirector.Tests.Dns;

/// <summary>Runs the real <c>dig</c>. A missing dig fails the test: it never skips.</summary>
internal static partial class DigTool
{
    // Debian's tools first, as the interop suite looks for them.
    public static readonly string SearchPath = "/usr/sbin:/usr/bin:/sbin:/bin:" + Environment.GetEnvironmentVariable("PATH");

    public static string Require(string tool, string searchPath)
    {
        foreach (string directory in searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"{tool} is not installed; run ./setup.sh (bind9-dnsutils; DNS tests never skip a missing client)");
    }

    public sealed record Result(string Stdout, string Status, string[] Flags, int Answers)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// <c>dig @ADDRESS -p PORT ARGS…</c>, one try, bounded in time; a reply is required. With
    /// <c>+short</c> the header fields of the result are empty.
    /// </summary>
    public static async Task<Result> DigAsync(IPEndPoint server, params string[] arguments)
    {
        var start = new ProcessStartInfo(Require("dig", SearchPath))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[$"@{server.Address}", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+time=3", "+tries=1", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout;
        Assert.True(process.ExitCode == 0, $"dig {string.Join(' ', arguments)} exited {process.ExitCode}\n{output}\n{await stderr}");
        Match header = HeaderLine().Match(output);
        Match flags = FlagsLine().Match(output);
        return new Result(
            output,
            header.Success ? header.Groups[1].Value : "",
            flags.Success ? flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [],
            flags.Success ? int.Parse(flags.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : -1);
    }

    [GeneratedRegex(@"->>HEADER<<- opcode: \w+, status: (\w+),")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@";; flags:([a-z ]*); QUERY: \d+, ANSWER: (\d+),")]
    private static partial Regex FlagsLine();
}
