using System.Collections.Concurrent;
using UnionBlock.Store;

namespace UnionBlock.Tests;

/// <summary>
/// Opens stores over an in-memory catalog that outlives the store (one per data directory), so
/// reopening after a clean close or a simulated crash finds the layers committed before. The
/// production catalog (RocksDB) is tested in ImageTree.Tests.
/// </summary>
public static class TestStore
{
    private static readonly ConcurrentDictionary<string, MemoryCatalog> s_catalogs = new();

    public static LayerStore Open(string directory) =>
        LayerStore.Open(directory, d => s_catalogs.GetOrAdd(d, _ => new MemoryCatalog()));

    private sealed class MemoryCatalog : ILayerCatalog
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<Guid, LayerRecord> _layers = [];

        public IReadOnlyCollection<LayerRecord> All
        {
            get
            {
                lock (_lock)
                {
                    return [.. _layers.Values];
                }
            }
        }

        public LayerRecord? Find(string name)
        {
            lock (_lock)
            {
                return _layers.Values.FirstOrDefault(l => l.Name == name);
            }
        }

        public LayerRecord? Get(Guid id)
        {
            lock (_lock)
            {
                return _layers.GetValueOrDefault(id);
            }
        }

        public IReadOnlyList<LayerRecord> ChildrenOf(Guid id) => [.. All.Where(l => l.ParentId == id)];

        public LayerRecord? LatestEdition(string lineage) => All.Where(l => l.Lineage == lineage).MaxBy(l => l.Edition);

        private readonly Dictionary<string, int> _highest = [];

        public int HighestEdition(string lineage)
        {
            lock (_lock)
            {
                return _highest.GetValueOrDefault(lineage);
            }
        }

        public void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes)
        {
            lock (_lock)
            {
                foreach (Guid id in deletes)
                {
                    _layers.Remove(id);
                }
                foreach (LayerRecord layer in upserts)
                {
                    _layers[layer.Id] = layer;
                    if (layer.Lineage is { } lineage && layer.Edition > _highest.GetValueOrDefault(lineage))
                    {
                        _highest[lineage] = layer.Edition;
                    }
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
