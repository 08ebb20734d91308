using System.Text.Json;
using System.Text.Json.Serialization;

namespace UnionBlock.Store;

/// <summary>
/// The catalog as one JSON document, replaced atomically (temporary file, sync, rename, sync folder).
/// Simple and crash-safe; every commit rewrites the whole document, which suits trees of hundreds of
/// layers. A catalog in a key-value store replaces it behind <see cref="ILayerCatalog"/> for more.
/// </summary>
public sealed class JsonLayerCatalog : ILayerCatalog
{
    public const string FileName = "catalog.json";
    private const int FormatVersion = 1;
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly string _path;
    private readonly Lock _gate = new();
    private Dictionary<Guid, LayerRecord> _byId;
    private Dictionary<string, LayerRecord> _byName;

    public JsonLayerCatalog(string directory)
    {
        _path = Path.Combine(directory, FileName);
        List<LayerRecord> layers = [];
        if (File.Exists(_path))
        {
            Document document = JsonSerializer.Deserialize<Document>(File.ReadAllBytes(_path), s_options)
                ?? throw new InvalidDataException($"{_path}: empty catalog");
            if (document.Format != FormatVersion)
            {
                throw new InvalidDataException($"{_path}: catalog format {document.Format} is not supported (expected {FormatVersion})");
            }
            layers = document.Layers;
        }
        _byId = layers.ToDictionary(l => l.Id);
        _byName = layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<LayerRecord> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _byId.Values.OrderBy(l => l.CreatedUtc).ThenBy(l => l.Name, StringComparer.Ordinal)];
            }
        }
    }

    public LayerRecord? Find(string name)
    {
        lock (_gate)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    public LayerRecord? Get(Guid id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes)
    {
        lock (_gate)
        {
            var byId = new Dictionary<Guid, LayerRecord>(_byId);
            foreach (Guid id in deletes)
            {
                byId.Remove(id);
            }
            foreach (LayerRecord layer in upserts)
            {
                byId[layer.Id] = layer;
            }
            var byName = new Dictionary<string, LayerRecord>(StringComparer.Ordinal);
            foreach (LayerRecord layer in byId.Values)
            {
                if (!byName.TryAdd(layer.Name, layer))
                {
                    throw new InvalidOperationException($"two layers would be named '{layer.Name}'");
                }
            }
            var document = new Document { Format = FormatVersion, Layers = [.. byId.Values.OrderBy(l => l.CreatedUtc)] };
            DurableFile.WriteAtomically(_path + ".tmp", _path, JsonSerializer.SerializeToUtf8Bytes(document, s_options));
            _byId = byId;
            _byName = byName;
        }
    }

    public void Dispose()
    {
    }

    private sealed class Document
    {
        public int Format { get; set; }

        public List<LayerRecord> Layers { get; set; } = [];
    }
}
