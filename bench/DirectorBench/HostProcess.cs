using System.Diagnostics;
using System.Text;

namespace DirectorBench;

/// <summary>
/// The bench host (<see cref="BenchHost"/>) started as a child process of the load generator: its
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

    public static async Task<HostProcess> StartAsync(int agents, int capacity)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { typeof(BenchHost).Assembly.Location, "host", "--agents", $"{agents}", "--capacity", $"{capacity}" })
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
