namespace UnionBlock.Abstractions;

/// <summary>
/// Why a block request failed. Expected failures are values, never exceptions; the protocol layer
/// maps each to a wire error in exactly one place.
/// </summary>
public enum BlockError
{
    None = 0,
    /// <summary>The medium failed or a checksum did not match.</summary>
    Io,
    /// <summary>The device refuses writes.</summary>
    ReadOnly,
    /// <summary>The range lies (partly) beyond the end of the device.</summary>
    OutOfRange,
    /// <summary>No space left (quota or disk full).</summary>
    NoSpace,
    /// <summary>The request is malformed for this device (alignment, size, flags).</summary>
    Invalid,
    /// <summary>The device cannot do this quickly (fast-zero) or at all.</summary>
    NotSupported,
    /// <summary>The device is shutting down.</summary>
    Shutdown,
}
