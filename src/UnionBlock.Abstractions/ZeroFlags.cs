namespace UnionBlock.Abstractions;

[Flags]
public enum ZeroFlags
{
    None = 0,
    /// <summary>The zeroed range must stay allocated (no hole may be punched).</summary>
    NoHole = 1 << 0,
    /// <summary>Fail with <see cref="BlockError.NotSupported"/> rather than zero slowly.</summary>
    FastOnly = 1 << 1,
}
