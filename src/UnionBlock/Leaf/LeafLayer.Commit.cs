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
    /// serves many flushes (group commit).
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        long target = Volatile.Read(ref _end);
        if (Volatile.Read(ref _durable) >= target)
        {
            return;
        }
        await _commitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _durable) >= target)
            {
                return;
            }
            long end = Volatile.Read(ref _end);
            await Task.Run(() => LibC.DataSync(_log), CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _durable, end);
        }
        finally
        {
            _commitGate.Release();
        }
        ScheduleCheckpointIfDue();
    }

    /// <summary>Synchronous commit of everything appended so far.</summary>
    private void CommitNow()
    {
        _commitGate.Wait();
        try
        {
            long end = Volatile.Read(ref _end);
            if (Volatile.Read(ref _durable) < end)
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
