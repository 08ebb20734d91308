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
}

/// <summary>A store operation was refused; the message says what to do instead. Nothing was changed.</summary>
public sealed class StoreException(StoreErrorKind kind, string message) : Exception(message)
{
    public StoreErrorKind Kind { get; } = kind;
}
