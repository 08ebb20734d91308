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
    private readonly Dictionary<Guid, LayerRecord> _byId;
    private readonly Dictionary<string, LayerRecord> _byName;

    public KeyValueLayerCatalog(IKeyValueStore store)
    {
        _store = store;
        _byId = store.Scan(Encoding.UTF8.GetBytes(Prefix))
            .Select(e => JsonSerializer.Deserialize<LayerRecord>(e.Value, MetadataJson.Options)!)
            .ToDictionary(l => l.Id);
        _byName = _byId.Values.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (LayerRecord layer in _byId.Values)
        {
            Index(layer);
        }
    }

    private readonly Dictionary<Guid, HashSet<Guid>> _children = [];
    private readonly Dictionary<string, SortedDictionary<int, Guid>> _editions = new(StringComparer.Ordinal);

    public IReadOnlyList<LayerRecord> ChildrenOf(Guid id)
    {
        lock (_lock)
        {
            return _children.TryGetValue(id, out HashSet<Guid>? children) ? [.. children.Select(c => _byId[c])] : [];
        }
    }

    public LayerRecord? LatestEdition(string lineage)
    {
        lock (_lock)
        {
            return _editions.TryGetValue(lineage, out var editions) && editions.Count > 0 ? _byId[editions.Last().Value] : null;
        }
    }

    private void Index(LayerRecord layer)
    {
        if (layer.ParentId is { } parent)
        {
            if (!_children.TryGetValue(parent, out HashSet<Guid>? set))
            {
                _children[parent] = set = [];
            }
            set.Add(layer.Id);
        }
        if (layer.Lineage is { } lineage)
        {
            if (!_editions.TryGetValue(lineage, out var editions))
            {
                _editions[lineage] = editions = [];
            }
            editions[layer.Edition] = layer.Id;
        }
    }

    private void Unindex(LayerRecord layer)
    {
        if (layer.ParentId is { } parent && _children.TryGetValue(parent, out HashSet<Guid>? set))
        {
            set.Remove(layer.Id);
        }
        if (layer.Lineage is { } lineage && _editions.TryGetValue(lineage, out var editions))
        {
            editions.Remove(layer.Edition);
        }
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
            foreach (Guid id in deletes)
            {
                if (_byId.Remove(id, out LayerRecord? gone))
                {
                    _byName.Remove(gone.Name);
                    Unindex(gone);
                }
            }
            foreach (LayerRecord layer in upserts)
            {
                if (_byId.TryGetValue(layer.Id, out LayerRecord? old))
                {
                    _byName.Remove(old.Name);
                    Unindex(old);
                }
                _byId[layer.Id] = layer;
                _byName[layer.Name] = layer;
                Index(layer);
            }
        }
    }

    private static byte[] Key(Guid id) => Encoding.UTF8.GetBytes(Prefix + id.ToString("N"));

    /// <summary>The key-value store is the tree's; closing the catalog leaves it open.</summary>
    public void Dispose()
    {
    }
}
