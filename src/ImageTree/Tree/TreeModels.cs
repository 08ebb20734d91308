using ImageTree.Operations;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>A layer as operators see it: the catalog record plus its parent's name, its children
/// and the nodes attached.</summary>
public sealed record LayerInfo(
    string Name,
    string Kind,
    string? Parent,
    string? Lineage,
    int Edition,
    long Size,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Labels,
    bool Protected,
    bool Pinned,
    long QuotaBytes,
    long SoftQuotaBytes,
    string? NextBootParent,
    IReadOnlyList<string> Children,
    IReadOnlyList<Attachment> Attachments);

/// <summary>Changes to a layer's metadata; null members stay as they are.</summary>
public sealed record LayerPatch
{
    public IReadOnlyDictionary<string, string?>? Labels { get; init; }

    public bool? Protected { get; init; }

    public bool? Pinned { get; init; }

    public long? QuotaBytes { get; init; }

    public long? SoftQuotaBytes { get; init; }
}

/// <summary>The outcome of a refresh: the layer now on the new edition (for a branch a new edition
/// of its own), whether it waits for the next boot, and the blocks both sides changed. A dry run
/// reports the same and has moved nothing.</summary>
public sealed record RefreshResult(
    string Layer,
    string From,
    string To,
    bool AtNextBoot,
    IReadOnlyList<ChangedExtent> Conflicts,
    long ConflictBytes,
    bool DryRun = false);

/// <summary>What a refresh may do beyond moving forward along its parent's lineage.</summary>
public sealed record RefreshOptions
{
    /// <summary>The kind the caller means to move ('ubd leaf refresh' a leaf, 'ubd branch refresh' a branch); null: either.</summary>
    public LayerKind? Kind { get; init; }

    /// <summary>Allow a move onto an older edition of the parent's lineage.</summary>
    public bool AllowDowngrade { get; init; }

    /// <summary>Allow a move onto another lineage, if it shares the layer's base (root).</summary>
    public bool OtherLineage { get; init; }

    /// <summary>Check and report; move nothing.</summary>
    public bool DryRun { get; init; }
}

/// <summary>A move not made: the layer's own extents its new parent also changed.</summary>
public sealed record RefreshConflicts(string Layer, string From, string To, IReadOnlyList<ChangedExtent> Extents, long Bytes);

/// <summary>
/// What a freeze, reconcile, hoist or flatten would do, from a dry run that checked every rule and
/// wrote nothing: the layer it works on, the edition it would publish (or the root a leaf's flatten
/// would make) over which parent, the blocks and bytes it would write, and the leaves it would move.
/// </summary>
public sealed record DryRunReport(string Operation, string Layer, string? Publishes, string? Over, long Blocks, long Bytes, IReadOnlyList<string> Moves)
{
    public bool DryRun => true;
}

/// <summary>What a delete removed (in a dry run: would remove).</summary>
public sealed record DeleteResult(IReadOnlyList<string> Deleted, long FreedBytes, bool DryRun = false);

/// <summary>Space of a layer and of everything below it in the tree (ZFS's usedbychildren).</summary>
public sealed record SpaceReport(string Layer, long WrittenBytes, long ReferencedBytes, long UniqueBytes, long UsedByChildrenBytes);

/// <summary>A lineage and its editions, oldest first.</summary>
public sealed record LineageInfo(string Lineage, IReadOnlyList<string> Editions, string Latest);
