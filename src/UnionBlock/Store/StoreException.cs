namespace UnionBlock.Store;

/// <summary>What kind of mistake a store operation refused.</summary>
public enum StoreErrorKind
{
    NotFound,
    AlreadyExists,
    InvalidArgument,
    WrongKind,
    InUse,
    /// <summary>The layer is protected or pinned against this operation.</summary>
    Protected,
    /// <summary>The operation would move a lineage's latest edition backwards or sideways (a tree rule; see docs/invariants.md).</summary>
    OutOfLine,
    /// <summary>The operation would publish an edition identical to the one before it, and that was not asked for.</summary>
    Empty,
    /// <summary>The operation would take a leaf past its hard quota.</summary>
    OverQuota,
    /// <summary>A layer is not the one the operation was made for (a stream's base that shows another disk).</summary>
    Mismatch,
}

/// <summary>A store operation was refused; the message says what to do instead. Nothing was changed.</summary>
public sealed class StoreException(StoreErrorKind kind, string message) : Exception(message)
{
    public StoreErrorKind Kind { get; } = kind;
}
