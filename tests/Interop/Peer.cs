using System.Diagnostics;

namespace Interop.Tests;

public enum PeerKind
{
    /// <summary>`ubd serve` with leaves created on demand over the imported root.</summary>
    Ubd,
    /// <summary>nbdkit's file plugin with the cow filter: the reference the same scripts run against.</summary>
    Nbdkit,
}

/// <summary>
/// A server holding a 32 MiB root image (random data with holes) and giving each export name a
/// writable disk over it. The same client scripts run against us and against nbdkit, so a script
/// that only passes against us proves nothing.
/// </summary>
public sealed class Peer : IAsyncDisposable
{
    public const long Size = 32L << 20;
    private readonly string _directory;
    private UbdServer? _ubd;
    private Process? _nbdkit;

    private Peer(PeerKind kind, string directory)
    {
        Kind = kind;
        _directory = directory;
    }

    public PeerKind Kind { get; }

    public string RootImage => Path.Combine(_directory, "root.img");

    public string DataDirectory => Path.Combine(_directory, "data");

    public UbdServer Ubd => _ubd ?? throw new InvalidOperationException("not a ubd peer");

    public int Port { get; private set; }

    public string Uri(string export) => $"nbd://127.0.0.1:{Port}/{export}";

    public string TempFile(string name) => Path.Combine(_directory, name);

    public static async Task<Peer> StartAsync(PeerKind kind)
    {
        var peer = new Peer(kind, Path.Combine(Path.GetTempPath(), "ubinterop-" + Guid.NewGuid().ToString("N")[..10]));
        Directory.CreateDirectory(peer._directory);
        WriteRootImage(peer.RootImage);
        if (kind == PeerKind.Ubd)
        {
            (await Tools.RunAsync(Tools.Ubd, "image", "import", "--data", peer.DataDirectory, "--name", "base", peer.RootImage)).Ok();
            peer._ubd = new UbdServer(peer.DataDirectory);
            await peer._ubd.StartAsync();
            peer.Port = peer._ubd.Port;
        }
        else
        {
            await peer.StartNbdkitAsync();
        }
        return peer;
    }

    /// <summary>A free port can be taken by someone else before nbdkit binds it: try a few. nbdkit is
    /// the reference here, not the system under test, so it is shielded from stray signals: CI runs
    /// twice saw it quit cleanly (exit 0, the way nbdkit answers SIGINT, SIGQUIT, SIGTERM and SIGHUP)
    /// right after it started listening, once even in a session of its own, from a sender we could
    /// not find. It starts in its own session with those four blocked (a blocked mask survives exec
    /// and nbdkit does not unblock them); Dispose stops it with SIGKILL, which cannot be blocked. No
    /// --exit-with-parent: its "parent" is the thread that started it (prctl PDEATHSIG), so a retiring
    /// thread-pool thread would stop it too.</summary>
    private const string ShieldedExec =
        "setsid(); sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGINT, SIGQUIT, SIGTERM, SIGHUP)) or die $!; exec @ARGV or die $!";

    private async Task StartNbdkitAsync()
    {
        string errors = "";
        for (int attempt = 0; attempt < 3; attempt++)
        {
            Port = Tools.FreePort();
            _nbdkit = Process.Start(Tools.StartInfo("perl",
                ["-MPOSIX", "-e", ShieldedExec, Tools.Require("nbdkit"), "-f", "-i", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 "--filter=cow", "file", RootImage]))!;
            Task<string> stderr = _nbdkit.StandardError.ReadToEndAsync();
            if (await WaitForPortAsync(Port, _nbdkit))
            {
                if (_nbdkit.HasExited)
                {
                    throw new InvalidOperationException($"nbdkit exited {_nbdkit.ExitCode} after listening: {await stderr}");
                }
                return;
            }
            if (!_nbdkit.HasExited)
            {
                _nbdkit.Kill();
            }
            await _nbdkit.WaitForExitAsync();
            errors += await stderr;
            _nbdkit.Dispose();
            _nbdkit = null;
        }
        throw new TimeoutException($"nbdkit did not start: {errors}");
    }

    /// <summary>Reads what the root holds at a range: the content every fresh disk starts with.</summary>
    public byte[] RootBytes(long offset, int length)
    {
        byte[] data = new byte[length];
        using var file = File.OpenHandle(RootImage);
        RandomAccess.Read(file, data, offset);
        return data;
    }

    private static void WriteRootImage(string path)
    {
        var random = new Random(42);
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, Size);
        byte[] chunk = new byte[1 << 20];
        for (long offset = 0; offset < Size; offset += chunk.Length)
        {
            if ((offset >> 20) % 3 == 2)
            {
                continue; // every third MiB is a hole
            }
            random.NextBytes(chunk);
            RandomAccess.Write(file, chunk, offset);
        }
    }

    private static async Task<bool> WaitForPortAsync(int port, Process server)
    {
        for (int attempt = 0; attempt < 400 && !server.HasExited; attempt++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ubd is not null)
        {
            await _ubd.DisposeAsync();
        }
        if (_nbdkit is { HasExited: false })
        {
            _nbdkit.Kill();
            await _nbdkit.WaitForExitAsync();
        }
        _nbdkit?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
