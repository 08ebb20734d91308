using ImageTree.Streams;
using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>What a send wrote.</summary>
/// <param name="Digest">The disk digest (SHA-256, hex) of the edition: the receiver's copy must match it.</param>
public sealed record SendResult(string Edition, string? Since, string Path, long StreamBytes, long DataBlocks, long ZeroBlocks, long DiskBytes, string Digest);

/// <summary>
/// Writes an edition as a stream (docs/stream-format.md): every data block of its disk, or with a base
/// only the blocks the layers between the base and the edition hold (zfs send -i, rbd export-diff).
/// The stream is written beside its name and renamed into place once durable, so a failed send
/// leaves no half stream under the name asked for.
/// </summary>
public sealed class TreeSend(LayerStore layers)
{
    private const int BufferBytes = StreamFormat.MaxRecordBlocks * Blocks.Size;

    /// <summary>The bytes a send's progress counts up to: the edition's disk, and the base's for an incremental stream.</summary>
    public static long ProgressTotal(LayerRecord edition, LayerRecord? since) => edition.Size + (since?.Size ?? 0);

    public SendResult Send(LayerRecord edition, LayerRecord? since, string output, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        layers.RequireFrozen(edition.Name, "a sent edition");
        long[] candidates = since is null ? [] : ChangedSince(edition, since);
        string? sinceDigest = since is null ? null : DiskDigest.Hex(layers.Read(since, d => DiskDigest.Of(d, cancellationToken)));
        progress?.Report(since?.Size ?? 0);
        var header = new StreamHeader(edition.Name, edition.Lineage ?? edition.Name, edition.Size, Blocks.Size,
            since?.Name, since?.Size ?? 0, sinceDigest, DateTimeOffset.UtcNow);
        string partial = output + ".partial";
        try
        {
            (EditionStreamWriter writer, byte[] digest) = WriteStream(edition, header, candidates, partial, since?.Size ?? 0, progress, cancellationToken);
            File.Move(partial, output, overwrite: true);
            DurableFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            return new SendResult(edition.Name, since?.Name, output, writer.BytesWritten, writer.DataBlocks, writer.ZeroBlocks, edition.Size, DiskDigest.Hex(digest));
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private (EditionStreamWriter, byte[]) WriteStream(LayerRecord edition, StreamHeader header, long[] candidates, string path,
        long progressBase, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var writer = new EditionStreamWriter(file, header);
        using var digest = new DiskDigest(edition.Size);
        int next = 0;
        layers.Read(edition, device =>
        {
            DiskDigest.ForEachBlock(device, 0, Blocks.Count(edition.Size), new byte[BufferBytes], cancellationToken, (block, contents) =>
            {
                digest.Add(block, contents);
                if (header.Incremental)
                {
                    for (; next < candidates.Length && candidates[next] < block; next++)
                    {
                        writer.AddZero(candidates[next]); // in a zero extent of the edition: it reads as zeros now
                    }
                    if (next == candidates.Length || candidates[next] != block)
                    {
                        return;
                    }
                    next++;
                }
                if (contents.ContainsAnyExcept((byte)0))
                {
                    writer.AddData(block, contents);
                }
                else if (header.Incremental)
                {
                    writer.AddZero(block);
                }
            }, progress is null ? null : bytes => progress.Report(progressBase + bytes));
            return true;
        });
        for (; next < candidates.Length; next++)
        {
            writer.AddZero(candidates[next]);
        }
        byte[] disk = digest.Finish();
        writer.Finish(disk);
        file.Flush(flushToDisk: true);
        return (writer, disk);
    }

    /// <summary>The blocks any layer from the edition down to (not including) <paramref name="since"/> holds, ascending.</summary>
    private long[] ChangedSince(LayerRecord edition, LayerRecord since)
    {
        IReadOnlyList<LayerRecord> chain = layers.Ancestry(edition);
        int at = chain.ToList().FindIndex(l => l.Id == since.Id);
        if (at <= 0)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument,
                $"'{since.Name}' is not an ancestor of '{edition.Name}': an incremental stream carries what changed since an edition below it (see 'ubd image editions')");
        }
        layers.RequireFrozen(since.Name, "the base of an incremental stream");
        return DataExtents.HeldBy(layers, chain.Take(at));
    }
}
