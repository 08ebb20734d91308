using System.Text;
using System.Text.Json;
using UnionBlock.Store;

namespace ImageTree.Metadata;

/// <summary>
/// The layer catalog kept in the metadata store: one key per layer (<c>layer/ID</c>, a JSON record),
/// all of a commit in one synced batch. The whole catalog is also held in memory, loaded at open.
/// The key-value store belongs to the caller and outlives the catalog.
/// </summary>
public sealed class KeyValueLayerCatalog : ILayerCatalog
{
    private const string Prefix = "layer/";
    private readonly IKeyValueStore _store;
    private readonly Lock _lock = new();
    private Dictionary<Guid, LayerRecord> _byId;
    private Dictionary<string, LayerRecord> _byName;

    public KeyValueLayerCatalog(IKeyValueStore store)
    {
        _store = store;
        _byId = store.Scan(Encoding.UTF8.GetBytes(Prefix))
            .Select(e => JsonSerializer.Deserialize<LayerRecord>(e.Value, MetadataJson.Options)!)
            .ToDictionary(l => l.Id);
        _byName = _byId.Values.ToDictionary(l => l.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<LayerRecord> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _byId.Values];
            }
        }
    }

    public LayerRecord? Find(string name)
    {
        lock (_lock)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    public LayerRecord? Get(Guid id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes)
    {
        var batch = new KeyValueBatch();
        foreach (LayerRecord layer in upserts)
        {
            batch.Put(Key(layer.Id), JsonSerializer.SerializeToUtf8Bytes(layer, MetadataJson.Options));
        }
        foreach (Guid id in deletes)
        {
            batch.Delete(Key(id));
        }
        lock (_lock)
        {
            _store.Write(batch);
            var byId = new Dictionary<Guid, LayerRecord>(_byId);
            foreach (Guid id in deletes)
            {
                byId.Remove(id);
            }
            foreach (LayerRecord layer in upserts)
            {
                byId[layer.Id] = layer;
            }
            _byId = byId;
            _byName = byId.Values.ToDictionary(l => l.Name, StringComparer.Ordinal);
        }
    }

    private static byte[] Key(Guid id) => Encoding.UTF8.GetBytes(Prefix + id.ToString("N"));

    /// <summary>The key-value store is the tree's; closing the catalog leaves it open.</summary>
    public void Dispose()
    {
    }
}
