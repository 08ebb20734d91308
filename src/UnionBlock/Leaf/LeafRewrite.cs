namespace UnionBlock.Leaf;

/// <summary>
/// A leaf log being rewritten into the next generation (compaction or freeze). Between
/// <see cref="LeafLayer.BeginRewrite"/> and <see cref="LeafLayer.FinishRewrite"/> the old log keeps
/// taking writes; finishing copies them over while writers are held off.
/// </summary>
internal sealed class LeafRewrite(LeafLayer source, LeafLayer target, BlockMap snapshot, long snapshotEnd) : IDisposable
{
    public LeafLayer Source { get; } = source;

    /// <summary>The new log; the caller makes it current (or abandons it).</summary>
    public LeafLayer Target { get; } = target;

    /// <summary>The source index as it was when the rewrite began.</summary>
    public BlockMap Snapshot { get; } = snapshot;

    /// <summary>The source log's end when the snapshot was taken: later records are the tail to copy.</summary>
    public long SnapshotEnd { get; } = snapshotEnd;

    public bool Finished { get; set; }

    /// <summary>Abandons an unfinished rewrite and removes its file.</summary>
    public void Dispose()
    {
        if (!Finished)
        {
            Target.Abandon();
            File.Delete(Target.LogPath);
        }
    }
}
