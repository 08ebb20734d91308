namespace UnionBlock.Leaf;

/// <summary>What a leaf log record holds. Persisted: append new values, never renumber.</summary>
public enum RecordKind : byte
{
    /// <summary>Block contents follow the header.</summary>
    Data = 1,
    /// <summary>The blocks read as zeros and mask the layers below; no payload.</summary>
    Zero = 2,
}
