namespace UnionBlock.Store;

/// <summary>A layer as the catalog knows it. Layers are addressed by name; files by id.</summary>
/// <param name="Generation">For a leaf, the current log file; each rewrite moves to the next.</param>
public sealed record LayerRecord(
    Guid Id,
    string Name,
    LayerKind Kind,
    Guid? ParentId,
    long Size,
    long Generation,
    DateTimeOffset CreatedUtc)
{
    public bool IsFrozen => Kind is LayerKind.Root or LayerKind.Branch;
}
