using UnionBlock.Native;

namespace UnionBlock.Leaf;

internal sealed partial class LeafLayer
{
    private readonly SemaphoreSlim _commitGate = new(1, 1);
    private long _durable;

    /// <summary>Bytes of log known to be on stable storage.</summary>
    public long DurableLength => Volatile.Read(ref _durable);

    /// <summary>
    /// Completes when every record appended before the call is on stable storage. Callers that
    /// arrive while a sync runs wait for it and usually find their records covered, so one fdatasync
    /// serves many flushes (group commit). The sync runs on the caller's thread: NBD connections
    /// each have their own thread, and a hand-off to another thread costs more than it saves.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        _ = cancellationToken; // a flush asked for is always carried out, even during shutdown
        CommitNow();
        ScheduleCheckpointIfDue();
        return ValueTask.CompletedTask;
    }

    /// <summary>Commits everything appended so far (group commit: see <see cref="FlushAsync"/>).</summary>
    private void CommitNow()
    {
        long target = Volatile.Read(ref _end);
        if (Volatile.Read(ref _durable) >= target)
        {
            return;
        }
        _commitGate.Wait();
        try
        {
            long end = Volatile.Read(ref _end);
            if (Volatile.Read(ref _durable) < target)
            {
                LibC.DataSync(_log);
                Volatile.Write(ref _durable, end);
            }
        }
        finally
        {
            _commitGate.Release();
        }
    }
}
