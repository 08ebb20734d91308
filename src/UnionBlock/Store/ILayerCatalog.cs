namespace UnionBlock.Store;

/// <summary>
/// Where the tree of layers is recorded. A commit is atomic: after a crash either all of it or none
/// of it is visible. Files of a layer are written before the commit that names them.
/// </summary>
public interface ILayerCatalog : IDisposable
{
    IReadOnlyCollection<LayerRecord> All { get; }

    LayerRecord? Find(string name);

    LayerRecord? Get(Guid id);

    void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes);
}
