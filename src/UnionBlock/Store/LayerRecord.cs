using System.Collections.Immutable;

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

    /// <summary>The edition family of a frozen layer (its name is <c>Lineage@Edition</c>), or null.</summary>
    public string? Lineage { get; init; }

    /// <summary>The edition number within <see cref="Lineage"/>; 0 when the layer is not an edition.</summary>
    public int Edition { get; init; }

    /// <summary>Free-form key=value labels operators attach (e.g. channel=stable).</summary>
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>A protected layer cannot be deleted, even recursively.</summary>
    public bool Protected { get; init; }

    /// <summary>A pinned layer stays on its parent: refresh refuses to move it.</summary>
    public bool Pinned { get; init; }

    /// <summary>Hard limit on the bytes a leaf's disk references (0 = none); see <see cref="Union.DeviceQuota"/>.</summary>
    public long QuotaBytes { get; init; }

    /// <summary>Crossing this many referenced bytes raises an event (0 = none).</summary>
    public long SoftQuotaBytes { get; init; }

    /// <summary>A refresh waiting for the node's next boot: the parent the leaf moves onto then.</summary>
    public Guid? NextBootParentId { get; init; }
}
