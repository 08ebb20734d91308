namespace UnionBlock.Store;

/// <summary>Persisted by name in the catalog.</summary>
public enum LayerKind
{
    /// <summary>An imported base image, read-only forever.</summary>
    Root = 1,
    /// <summary>A frozen, read-only layer over a root or another branch.</summary>
    Branch = 2,
    /// <summary>A node's writable layer: a block modification log.</summary>
    Leaf = 3,
}
