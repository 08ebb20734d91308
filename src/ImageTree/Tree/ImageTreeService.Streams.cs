using ImageTree.Operations;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>Sending editions to a stream file and receiving them: backups and moving editions between servers.</summary>
public sealed partial class ImageTreeService
{
    /// <summary>Writes <paramref name="name"/> (an edition, or a lineage's latest) to a stream file:
    /// its whole disk, or with <paramref name="since"/> only what changed since that older edition.</summary>
    public SendResult Send(string name, string? since, string output, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        LayerRecord edition = Resolve(name);
        LayerRecord? sinceLayer = since is null ? null : Resolve(since);
        SendResult result = _send.Send(edition, sinceLayer, output, progress, cancellationToken);
        Publish("edition.sent", edition.Name, $"{result.StreamBytes} bytes to {output}" + (since is null ? "" : $", changes since {sinceLayer!.Name}"));
        return result;
    }

    /// <summary>What a send's progress counts up to.</summary>
    public long SendProgressTotal(string name, string? since) =>
        TreeSend.ProgressTotal(Resolve(name), since is null ? null : Resolve(since));

    /// <summary>
    /// Publishes the edition a stream carries as the next edition of <paramref name="lineage"/> (by
    /// default the sender's lineage). An incremental stream goes over <paramref name="over"/> (by default
    /// the edition of the sender's base name here), which must show the very disk it was made against
    /// and, as for any new edition, be the lineage's latest.
    /// </summary>
    public ReceiveResult Receive(string file, string? lineage, string? over, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        (FileStream stream, Streams.EditionStreamReader reader) = TreeReceive.Open(file);
        using (stream)
        {
            lineage ??= reader.Header.Lineage;
            LayerRecord? baseLayer = null;
            if (reader.Header.Incremental)
            {
                string baseName = over ?? reader.Header.Since!;
                baseLayer = TryResolve(baseName) ?? throw new StoreException(StoreErrorKind.NotFound,
                    $"the stream carries the changes since '{reader.Header.Since}', and there is no '{baseName}' here: receive the full stream of {reader.Header.Since} first (ubd image send {reader.Header.Since} on the sender), or name the base with --over");
                _receive.CheckBase(reader, baseLayer, cancellationToken);
            }
            else if (over is not null)
            {
                throw new StoreException(StoreErrorKind.InvalidArgument, "this stream carries a whole disk: it goes over nothing, so leave out --over");
            }
            ReceiveResult result;
            lock (_policy)
            {
                result = _receive.Receive(NextEdition(lineage, baseLayer), reader, baseLayer, stream.Length, progress, cancellationToken);
            }
            Publish("edition.received", result.Layer.Name, $"from {reader.Header.Edition}" + (baseLayer is null ? "" : $" over {baseLayer.Name}"));
            return result;
        }
    }

    /// <summary>What a receive's progress counts up to: the disk size the stream names (0 if it cannot be read).</summary>
    public static long ReceiveProgressTotal(string file)
    {
        try
        {
            (FileStream stream, Streams.EditionStreamReader reader) = TreeReceive.Open(file);
            using (stream)
            {
                return reader.Header.Size;
            }
        }
        catch (Exception exception) when (exception is IOException or StoreException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
