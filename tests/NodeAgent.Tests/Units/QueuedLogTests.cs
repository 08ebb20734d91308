using System.Text;
using NodeAgent.Host;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests.Units;

public sealed class QueuedLogTests
{
    /// <summary>A destination whose writes wait until it is opened, as a file on a stalled disk.</summary>
    private sealed class GatedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public ManualResetEventSlim Open { get; } = new();

        public override Encoding Encoding => Encoding.UTF8;

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

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            Open.Wait();
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }

    [Fact]
    public async Task Lines_never_wait_for_a_stalled_destination_and_those_that_overflow_are_counted()
    {
        var target = new GatedWriter();
        var log = new QueuedLog(target);
        var writing = Task.Run(() =>
        {
            // The writer thread takes at most one line before it blocks; the queue holds Capacity more.
            for (var i = 0; i < QueuedLog.Capacity + 11; i++)
            {
                log.WriteLine($"line {i}");
            }
        });

        Assert.Same(writing, await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(10))));
        await Eventually.TrueAsync(() => log.Dropped >= 10, TimeSpan.FromSeconds(10), $"dropped {log.Dropped}");
        var kept = QueuedLog.Capacity + 11 - (int)log.Dropped;
        target.Open.Set();
        await Eventually.TrueAsync(() => target.Text.Contains($"line {kept - 1}{Environment.NewLine}", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the queue to drain");
        log.WriteLine("after");
        log.Dispose();

        // The lines kept are the first ones, in order, and the note of the rest stands where they went missing.
        var lines = target.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([.. Enumerable.Range(0, kept).Select(i => $"line {i}"), $"ubd-agent: {log.Dropped} log line(s) dropped while the log could not be written", "after"], lines);
    }
}
