namespace UnionBlock.Leaf;

internal sealed partial class LeafLayer
{
    /// <summary>Log bytes written after the last checkpoint that trigger a new one, bounding replay at open.</summary>
    public const long CheckpointInterval = 64L << 20;

    private readonly Lock _checkpointLock = new();
    private long _checkpointedEnd;
    private int _checkpointRunning;

    /// <summary>
    /// Saves the index. The log is made durable up to every offset the saved entries can point at
    /// before the checkpoint is written, so no entry can outlive the record it refers to.
    /// </summary>
    public void WriteCheckpoint()
    {
        lock (_checkpointLock)
        {
            WriteCheckpointLocked();
        }
    }

    private void WriteCheckpointLocked()
    {
        long replayFrom;
        ulong sequence;
        lock (_appendLock)
        {
            replayFrom = _end;
            sequence = _nextSequence;
        }
        var entries = new List<(long, long)>((int)Math.Min(_map.Count, int.MaxValue));
        entries.AddRange(_map.Entries());
        CommitNow();
        new LeafCheckpoint(Generation, replayFrom, sequence, BlockCount, [.. entries]).Save(Directory);
        Volatile.Write(ref _checkpointedEnd, replayFrom);
    }

    private void ScheduleCheckpointIfDue()
    {
        if (Volatile.Read(ref _end) - Volatile.Read(ref _checkpointedEnd) < CheckpointInterval
            || Interlocked.Exchange(ref _checkpointRunning, 1) == 1)
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                lock (_checkpointLock)
                {
                    if (!_disposed)
                    {
                        WriteCheckpointLocked();
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The leaf closed meanwhile; closing writes its own checkpoint.
            }
            finally
            {
                Volatile.Write(ref _checkpointRunning, 0);
            }
        });
    }
}
