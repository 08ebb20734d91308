namespace UnionBlock.Leaf;

/// <summary>
/// A leaf log being rewritten into the next generation (compaction or freeze). Between
/// <see cref="LeafLayer.BeginRewrite"/> and <see cref="LeafLayer.FinishRewrite"/> the old log keeps
/// taking writes; finishing copies them over while writers are held off. Tree operations above the
/// engine (a hoist) read the snapshot and fill the new log through the public members; entries are
/// encoded as <see cref="LeafEntry"/> says.
/// </summary>
public sealed class LeafRewrite : IDisposable
{
    internal LeafRewrite(LeafLayer source, LeafLayer target, BlockMap snapshot, long snapshotEnd)
    {
        Source = source;
        Target = target;
        Snapshot = snapshot;
        SnapshotEnd = snapshotEnd;
    }

    internal LeafLayer Source { get; }

    /// <summary>The new log; the caller makes it current (or abandons it).</summary>
    internal LeafLayer Target { get; }

    /// <summary>The source index as it was when the rewrite began.</summary>
    internal BlockMap Snapshot { get; }

    /// <summary>The source log's end when the snapshot was taken: later records are the tail to copy.</summary>
    internal long SnapshotEnd { get; }

    internal bool Finished { get; set; }

    /// <summary>The snapshot's entries, ascending by block.</summary>
    public IEnumerable<(long Block, long Entry)> SnapshotEntries() => Snapshot.Entries();

    /// <summary>The snapshot's entry for <paramref name="block"/> (<see cref="LeafEntry.Absent"/> when the leaf did not hold it).</summary>
    public long SnapshotEntry(long block) => Snapshot.Get(block);

    /// <summary>Reads the block a data entry of the snapshot points at.</summary>
    public void ReadData(long entry, Span<byte> destination) => Source.ReadData(entry, destination);

    /// <summary>Appends whole blocks of data to the new log.</summary>
    public void AppendData(long firstBlock, ReadOnlyMemory<byte> data) => Target.AppendData(firstBlock, data);

    /// <summary>Appends zero entries (masking the layers below) to the new log.</summary>
    public void AppendZeroes(long firstBlock, long count) => Target.AppendZeroes(firstBlock, count);

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
