using System.Text;
using System.Text.Json;
using UnionBlock.Store;

namespace ImageTree.Metadata;

/// <summary>
/// The layer catalog kept in the metadata store: one key per layer (<c>layer/ID</c>, a JSON record),
/// all of a commit in one synced batch. The whole catalog is also held in memory, loaded at open.
/// The key-value store belongs to the caller and outlives the catalog. Each lineage's highest edition
/// number (<c>lineage/NAME</c>) is kept beside the layers, so a number is never given twice even after
/// its edition is deleted.
/// </summary>
public sealed class KeyValueLayerCatalog : ILayerCatalog
{
    private const string Prefix = "layer/";
    private const string HighestPrefix = "lineage/";
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
        foreach ((byte[] key, byte[] value) in store.Scan(Encoding.UTF8.GetBytes(HighestPrefix)))
        {
            _highest[Encoding.UTF8.GetString(key)[HighestPrefix.Length..]] = int.Parse(Encoding.UTF8.GetString(value), System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (LayerRecord layer in _byId.Values.Where(l => l.Lineage is not null))
        {
            // Data directories from before the counter was kept: the editions still there are the floor.
            _highest[layer.Lineage!] = Math.Max(_highest.GetValueOrDefault(layer.Lineage!), layer.Edition);
        }
    }

    private readonly Dictionary<string, int> _highest = new(StringComparer.Ordinal);

    public int HighestEdition(string lineage)
    {
        lock (_lock)
        {
            return _highest.GetValueOrDefault(lineage);
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
            var raised = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (LayerRecord layer in upserts.Where(l => l.Lineage is not null))
            {
                if (layer.Edition > Math.Max(_highest.GetValueOrDefault(layer.Lineage!), raised.GetValueOrDefault(layer.Lineage!)))
                {
                    raised[layer.Lineage!] = layer.Edition;
                }
            }
            foreach ((string lineage, int edition) in raised)
            {
                batch.Put(Encoding.UTF8.GetBytes(HighestPrefix + lineage), Encoding.UTF8.GetBytes(edition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            _store.Write(batch);
            foreach ((string lineage, int edition) in raised)
            {
                _highest[lineage] = edition;
            }
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
