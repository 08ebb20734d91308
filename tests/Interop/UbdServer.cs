using System.Diagnostics;

namespace Interop.Tests;

/// <summary>A `ubd serve` process on a loopback port of its own.</summary>
public sealed class UbdServer : IAsyncDisposable
{
    private Process? _process;

    public UbdServer(string dataDirectory, string? autoLeaf = "base")
    {
        DataDirectory = dataDirectory;
        AutoLeaf = autoLeaf;
    }

    public string DataDirectory { get; }

    public string? AutoLeaf { get; }

    /// <summary>More `ubd serve` options (the boot service's, for instance).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Chosen on first start and kept across restarts, as a node would expect.</summary>
    public int Port { get; private set; }

    public string Uri(string export) => $"nbd://127.0.0.1:{Port}/{export}";

    public async Task StartAsync()
    {
        bool firstStart = Port == 0;
        for (int attempt = 0; ; attempt++)
        {
            if (firstStart)
            {
                Port = Tools.FreePort();
                // Kept across restarts too: booted nodes' agents have this address on their kernel command line.
                _httpPort = Tools.FreePort();
            }
            try
            {
                await StartOnceAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 4)
            {
                _process?.Dispose();
                // The port was taken between choosing and binding it, or (after a restart) is
                // still being released: try again.
                await Task.Delay(200);
            }
        }
    }

    private int _httpPort;

    /// <summary>The HTTP API's base URL (a free port chosen at start).</summary>
    public string HttpUrl { get; private set; } = "";

    private async Task StartOnceAsync()
    {
        var arguments = new List<string> { "serve", "--data", DataDirectory, "--nbd-listen", $"127.0.0.1:{Port}", "--http-listen", $"127.0.0.1:{_httpPort}", "--log-level", "Warning" };
        if (AutoLeaf is not null)
        {
            arguments.AddRange(["--auto-leaf", AutoLeaf]);
        }
        arguments.AddRange(ExtraArguments);
        _process = Process.Start(Tools.StartInfo(Tools.Ubd, arguments))!;
        _ = _process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            string? line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"ubd serve exited with code {(_process.HasExited ? _process.ExitCode : -1)} before it was ready");
            }
            if (line.StartsWith("ubd: HTTP API on ", StringComparison.Ordinal))
            {
                HttpUrl = line["ubd: HTTP API on ".Length..].Split(' ')[0];
            }
            if (line.StartsWith("ubd: serving NBD on", StringComparison.Ordinal))
            {
                _ = _process.StandardOutput.ReadToEndAsync();
                return;
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM: the server finishes in-flight requests and closes its leaves cleanly.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, _process.ExitCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
