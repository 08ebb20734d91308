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

    /// <summary>Layers whose parent is <paramref name="id"/> (indexed: the API asks on every answer).</summary>
    IReadOnlyList<LayerRecord> ChildrenOf(Guid id);

    /// <summary>The highest edition of <paramref name="lineage"/>, or null.</summary>
    LayerRecord? LatestEdition(string lineage);

    /// <summary>The highest edition number <paramref name="lineage"/> ever had, deleted editions included
    /// (0 for none): numbers are never given twice. Kept by <see cref="Commit"/> in the same atomic write.</summary>
    int HighestEdition(string lineage);

    void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes);
}
