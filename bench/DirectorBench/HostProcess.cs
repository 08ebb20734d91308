using System.Diagnostics;
using System.Text;

namespace DirectorBench;

/// <summary>
/// A bench host (<see cref="BenchHost"/>, <see cref="Failover.FailoverHost"/>) started as a child process of the load generator: its
/// address and the credentials it issued, read from its stdout. Disposing closes its stdin, which
/// stops it.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri address, IReadOnlyList<(string Mac, string Credential)> nodes)
    {
        _process = process;
        Address = address;
        Nodes = nodes;
    }

    public Uri Address { get; }

    public IReadOnlyList<(string Mac, string Credential)> Nodes { get; }

    public static Task<HostProcess> StartAsync(int agents, int capacity) =>
        StartAsync(["host", "--agents", $"{agents}", "--capacity", $"{capacity}"], agents);

    /// <summary>This assembly again with <paramref name="arguments"/> (a host mode), which prints
    /// <paramref name="agents"/> credentials and then its address.</summary>
    public static async Task<HostProcess> StartAsync(IEnumerable<string> arguments, int agents)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The director runs with the GC `ubd serve` ships with (src/Ubd/Ubd.csproj: Server GC), whatever
        // this process was started with.
        start.Environment["DOTNET_gcServer"] = "1";
        foreach (string argument in arguments.Prepend(typeof(BenchHost).Assembly.Location))
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start the bench host");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var nodes = new List<(string, string)>(agents);
        while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            string[] words = line.Split(' ');
            if (words is ["node", string mac, string credential])
            {
                nodes.Add((mac, credential));
            }
            else if (words is ["ready", string url])
            {
                return new HostProcess(process, new Uri(url), nodes);
            }
        }
        await process.WaitForExitAsync().ConfigureAwait(false);
        string said;
        lock (errors)
        {
            said = errors.ToString();
        }
        int exit = process.ExitCode;
        process.Dispose();
        throw new InvalidOperationException($"the bench host exited with {exit} before it was ready:\n{said}");
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
