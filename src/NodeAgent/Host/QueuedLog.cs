using System.Text;
using System.Threading.Channels;

namespace NodeAgent.Host;

/// <summary>
/// The agent's log: a line is queued and the caller goes on; a thread of its own writes the queue out.
/// On a diskless node the log is a file on the root disk, and while that disk's NBD connection is
/// being re-established (up to the kernel's request timeout) a write can wait on the filesystem's
/// journal. A heartbeat or the lease watch that logged directly would wait with it, the lease would
/// run out and every job would stop over a log line. Lines that find the queue full are dropped
/// and counted, and a note of how many stands in their place.
/// </summary>
internal sealed class QueuedLog : TextWriter
{
    public const int Capacity = 4096;

    private static readonly TimeSpan s_drainOnExit = TimeSpan.FromSeconds(2);

    private readonly TextWriter _target;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Thread _writer;
    private readonly Lock _gate = new();
    private long _dropped;
    private long _unnoted;

    public QueuedLog(TextWriter target)
    {
        _target = target;
        _writer = new Thread(Drain) { IsBackground = true, Name = "ubd-agent log" };
        _writer.Start();
    }

    public override Encoding Encoding => _target.Encoding;

    public long Dropped => Interlocked.Read(ref _dropped);

    public override void WriteLine(string? value) => Enqueue((value ?? "") + NewLine);

    public override void Write(string? value) => Enqueue(value ?? "");

    public override void Write(char value) => Enqueue(value.ToString());

    public override void WriteLine() => Enqueue(NewLine);

    private void Enqueue(string text)
    {
        lock (_gate)
        {
            // The note goes where the lines went missing; a line after a gap that is not noted yet waits its turn behind the note.
            if (_unnoted > 0 && _lines.Writer.TryWrite(Note(_unnoted)))
            {
                _unnoted = 0;
            }

            if (_unnoted > 0 || !_lines.Writer.TryWrite(text))
            {
                _unnoted++;
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private string Note(long dropped) => $"ubd-agent: {dropped} log line(s) dropped while the log could not be written{NewLine}";

    private void Drain()
    {
        while (_lines.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_lines.Reader.TryRead(out string? text))
            {
                _target.Write(text);
            }

            _target.Flush();
        }
    }

    /// <summary>Writes out what is queued, waiting a little: an agent that exits on a stalled disk must still exit.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _lines.Writer.TryComplete() && _writer.Join(s_drainOnExit))
        {
            lock (_gate)
            {
                if (_unnoted > 0)
                {
                    _target.Write(Note(_unnoted));
                    _target.Flush();
                }
            }
        }

        base.Dispose(disposing);
    }
}
