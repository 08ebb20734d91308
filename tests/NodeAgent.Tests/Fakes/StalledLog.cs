using System.Diagnostics;
using System.Text;

namespace NodeAgent.Tests.Fakes;

/// <summary>
/// A log destination that takes no writes until released, as a log file on a root disk whose NBD
/// connection is being re-established: a named pipe the test fills to capacity and does not read.
/// Once released, everything written to it is read into <see cref="Text"/>.
/// </summary>
public sealed class StalledLog : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ubd-stalled-log-").FullName;
    private readonly FileStream _holder;
    private readonly StringBuilder _text = new();
    private volatile bool _released;
    private int _reading;
    private long _filled;

    private StalledLog()
    {
        Path = System.IO.Path.Combine(_folder, "log");
        using (var mkfifo = Process.Start("mkfifo", [Path]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opened for reading and writing, so neither end's open waits for the other and writers never get EPIPE.
        _holder = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        _ = Task.Factory.StartNew(Fill, TaskCreationOptions.LongRunning);
    }

    public string Path { get; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>A pipe filled until a write blocks (its capacity depends on the machine's pipe limits).</summary>
    public static async Task<StalledLog> CreateAsync()
    {
        var log = new StalledLog();
        long last = -1;
        while (Interlocked.Read(ref log._filled) != last)
        {
            last = Interlocked.Read(ref log._filled);
            await Task.Delay(300);
        }

        return log;
    }

    /// <summary>Starts reading: the blocked writers go on and their lines arrive in <see cref="Text"/>.</summary>
    public void Release()
    {
        _released = true;
        if (Interlocked.Exchange(ref _reading, 1) == 1)
        {
            return;
        }

        _ = Task.Factory.StartNew(() =>
        {
            using var reader = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[4096];
            int read;
            while ((read = reader.Read(buffer)) > 0)
            {
                lock (_text)
                {
                    _text.Append(Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "", StringComparison.Ordinal));
                }
            }
        }, TaskCreationOptions.LongRunning);
    }

    private void Fill()
    {
        var chunk = new byte[512];
        try
        {
            while (!_released)
            {
                _holder.Write(chunk);
                Interlocked.Add(ref _filled, chunk.Length);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Disposed while blocked.
        }
    }

    public void Dispose()
    {
        Release();
        _holder.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
