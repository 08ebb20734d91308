using System.Text.Json;
using ImageTree.Metadata;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>A node using a leaf: who (the client's address) and since when. <see cref="Interrupted"/>
/// marks one the server went down with: the node may still be running and reconnecting.</summary>
public sealed record Attachment(string Leaf, string Client, DateTimeOffset Since, int Connections, bool Interrupted);

public sealed partial class ImageTreeService
{
    private const string AttachmentPrefix = "attach/";
    private readonly Dictionary<Guid, Attachment> _attachments = [];

    /// <summary>
    /// Records that a node opened a leaf (an NBD connection). The record is persisted, so a server
    /// restart does not forget that a node is running on the leaf; it is removed when the node's
    /// last connection ends while the server runs. Before the first attach after the node let go,
    /// a refresh waiting for the next boot is applied.
    /// </summary>
    public IDisposable Attach(LayerRecord leaf, string client)
    {
        lock (_attachments)
        {
            bool fresh = !_attachments.TryGetValue(leaf.Id, out Attachment? current);
            if (fresh && !Layers.IsOpen(leaf) && leaf.NextBootParentId is { } next && Layers.Get(next) is { } target)
            {
                _branches.ReparentLeaf(leaf.Name, target.Name);
                Publish("refresh.applied", leaf.Name, $"moved onto {target.Name} at boot");
            }
            Attachment updated = current is null
                ? new Attachment(leaf.Name, client, DateTimeOffset.UtcNow, 1, false)
                : current with { Connections = current.Connections + 1, Interrupted = false, Client = client };
            _attachments[leaf.Id] = updated;
            if (fresh || current!.Interrupted)
            {
                _metadata.Write(new KeyValueBatch().Put(Key(AttachmentPrefix + leaf.Id.ToString("N")), JsonSerializer.SerializeToUtf8Bytes(updated, MetadataJson.Options)));
            }
            return new Release(() => Detach(leaf.Id));
        }
    }

    /// <summary>True while the server is stopping: connections then end without detaching, as the
    /// nodes will reconnect to the restarted server.</summary>
    public bool ShuttingDown { get; set; }

    public IReadOnlyList<Attachment> Attachments()
    {
        lock (_attachments)
        {
            return [.. _attachments.Values.OrderBy(a => a.Leaf, StringComparer.Ordinal)];
        }
    }

    /// <summary>Forgets a node's attachment (the operator knows it is off).</summary>
    public void ForgetAttachment(string leaf)
    {
        LayerRecord layer = Resolve(leaf);
        if (!RemoveAttachments([layer.Id]))
        {
            throw new StoreException(StoreErrorKind.NotFound, $"no node is attached to '{leaf}'");
        }
    }

    private bool IsAttached(LayerRecord layer)
    {
        lock (_attachments)
        {
            return _attachments.ContainsKey(layer.Id);
        }
    }

    private IReadOnlyList<Attachment> AttachmentsOf(LayerRecord layer)
    {
        lock (_attachments)
        {
            return _attachments.TryGetValue(layer.Id, out Attachment? a) ? [a] : [];
        }
    }

    private void Detach(Guid leaf)
    {
        lock (_attachments)
        {
            if (ShuttingDown || !_attachments.TryGetValue(leaf, out Attachment? current))
            {
                return;
            }
            if (current.Connections > 1)
            {
                _attachments[leaf] = current with { Connections = current.Connections - 1 };
                return;
            }
            RemoveAttachments([leaf]);
        }
    }

    /// <summary>Forgets the attachments of these leaves, in memory and in the store at once.
    /// Returns whether any was there.</summary>
    private bool RemoveAttachments(IEnumerable<Guid> leaves)
    {
        lock (_attachments)
        {
            var batch = new KeyValueBatch();
            foreach (Guid leaf in leaves)
            {
                if (_attachments.Remove(leaf))
                {
                    batch.Delete(Key(AttachmentPrefix + leaf.ToString("N")));
                }
            }
            if (batch.Operations.Count > 0)
            {
                _metadata.Write(batch);
            }
            return batch.Operations.Count > 0;
        }
    }

    private void LoadAttachments()
    {
        foreach (KeyValuePair<byte[], byte[]> entry in _metadata.Scan(Key(AttachmentPrefix)))
        {
            Attachment attachment = JsonSerializer.Deserialize<Attachment>(entry.Value, MetadataJson.Options)!;
            Guid id = Guid.ParseExact(System.Text.Encoding.UTF8.GetString(entry.Key)[AttachmentPrefix.Length..], "N");
            _attachments[id] = attachment with { Connections = 0, Interrupted = true };
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
