using ImageTree.Streams;
using UnionBlock;
using UnionBlock.Frozen;
using UnionBlock.Root;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>What a receive published.</summary>
public sealed record ReceiveResult(LayerRecord Layer, string SentAs, string? Since, long StreamBytes, long DataBlocks, long ZeroBlocks, string Digest);

/// <summary>
/// Publishes an edition from a stream: a full stream becomes a root, an incremental one a branch over
/// the base it was made against. The base's digest is checked before anything is written; the new
/// edition's digest, worked out from what was written, must equal the sender's before it is
/// committed. A damaged stream leaves nothing behind.
/// </summary>
public sealed class TreeReceive(LayerStore layers)
{
    /// <summary>Opens a stream and reads its header; the caller decides where it goes.</summary>
    internal static (FileStream File, EditionStreamReader Reader) Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new StoreException(StoreErrorKind.NotFound, $"no stream file at {path}");
        }
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        try
        {
            return (file, new EditionStreamReader(file, path));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Checks that <paramref name="over"/> shows the disk the stream was made against.</summary>
    internal void CheckBase(EditionStreamReader reader, LayerRecord over, CancellationToken cancellationToken)
    {
        layers.RequireFrozen(over.Name, "the base of an incremental stream");
        string digest = DiskDigest.Hex(layers.Read(over, d => DiskDigest.Of(d, cancellationToken)));
        if (over.Size != reader.Header.SinceSize || digest != reader.Header.SinceDigest)
        {
            throw new StoreException(StoreErrorKind.Mismatch,
                $"'{over.Name}' here is not the disk the stream was made against ({reader.Header.Since} on the sender): receive into the server that holds a copy of {reader.Header.Since}, or send a full stream (without --since)");
        }
    }

    internal ReceiveResult Receive(NewLayer name, EditionStreamReader reader, LayerRecord? over, long streamBytes, IProgress<long>? progress, CancellationToken cancellationToken) =>
        layers.RunExclusive(() =>
        {
            layers.CheckNewName(name.Name);
            var id = Guid.NewGuid();
            try
            {
                LayerRecord layer = name.Stamp(over is null
                    ? new LayerRecord(id, name.Name, LayerKind.Root, null, reader.Header.Size, 0, DateTimeOffset.UtcNow)
                    : new LayerRecord(id, name.Name, LayerKind.Branch, over.Id, reader.Header.Size, 0, DateTimeOffset.UtcNow));
                (byte[] digest, long data, long zero) = over is null
                    ? WriteRoot(layer, reader, progress, cancellationToken)
                    : WriteBranch(layer, over, reader, progress, cancellationToken);
                if (!digest.AsSpan().SequenceEqual(reader.DiskDigest))
                {
                    throw new DamagedStreamException(reader.Path, $"the received disk's digest {DiskDigest.Hex(digest)} is not the sender's {DiskDigest.Hex(reader.DiskDigest!)}");
                }
                layers.CommitNewLayer(layer);
                return new ReceiveResult(layer, reader.Header.Edition, reader.Header.Since, streamBytes, data, zero, DiskDigest.Hex(digest));
            }
            catch
            {
                string directory = layers.LayerDirectory(id);
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
                throw;
            }
        });

    private (byte[], long, long) WriteRoot(LayerRecord layer, EditionStreamReader reader, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        RootImageWriter root = layers.WriteRootLayer(layer.Id, layer.Size);
        using var digest = new DiskDigest(layer.Size);
        long data = 0;
        using (var image = File.OpenHandle(root.ImagePath, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(image, layer.Size);
            while (reader.Next(out StreamRecord record))
            {
                cancellationToken.ThrowIfCancellationRequested();
                ReadOnlySpan<byte> blocks = record.Data.Span;
                long offset = record.FirstBlock << Blocks.Shift;
                RandomAccess.Write(image, blocks[..(int)Math.Min(blocks.Length, layer.Size - offset)], offset); // one write per record; a sender never puts an all-zero block in one
                for (int i = 0; i < record.BlockCount; i++)
                {
                    long block = record.FirstBlock + i;
                    ReadOnlySpan<byte> contents = blocks.Slice(i * Blocks.Size, Blocks.Size);
                    digest.Add(block, contents);
                    if (contents.ContainsAnyExcept((byte)0))
                    {
                        root.MarkAllocated(block);
                        data++;
                    }
                }
                progress?.Report(record.EndBlock << Blocks.Shift);
            }
            DurableFile.DataSync(image);
        }
        root.Complete();
        return (digest.Finish(), data, 0);
    }

    private (byte[], long, long) WriteBranch(LayerRecord layer, LayerRecord over, EditionStreamReader reader, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var digest = new DiskDigest(layer.Size);
        byte[] buffer = new byte[StreamFormat.MaxRecordBlocks * Blocks.Size];
        long data = 0;
        long zero = 0;
        layers.Read(over, device =>
        {
            using FrozenLayerWriter writer = layers.WriteFrozenLayer(layer);
            long cursor = 0;
            while (reader.Next(out StreamRecord record))
            {
                cancellationToken.ThrowIfCancellationRequested();
                digest.AddFrom(device, cursor, record.FirstBlock, buffer, cancellationToken); // the base shows through up to here
                if (record.Kind == StreamRecordKind.Zero)
                {
                    writer.AddZero(record.FirstBlock, record.BlockCount);
                    zero += record.BlockCount;
                }
                else
                {
                    ReadOnlySpan<byte> blocks = record.Data.Span;
                    writer.AddData(record.FirstBlock, blocks);
                    for (int i = 0; i < record.BlockCount; i++)
                    {
                        digest.Add(record.FirstBlock + i, blocks.Slice(i * Blocks.Size, Blocks.Size));
                    }
                    data += record.BlockCount;
                }
                cursor = record.EndBlock;
                progress?.Report(cursor << Blocks.Shift);
            }
            digest.AddFrom(device, cursor, Blocks.Count(layer.Size), buffer, cancellationToken);
            writer.Complete();
            return true;
        });
        return (digest.Finish(), data, zero);
    }
}
