namespace UnionBlock.Abstractions;

/// <summary>What a device can do. A server advertises nothing the device does not report.</summary>
[Flags]
public enum DeviceCapabilities
{
    None = 0,
    Write = 1 << 0,
    Flush = 1 << 1,
    /// <summary>Writes may ask to be durable before they complete.</summary>
    Fua = 1 << 2,
    Trim = 1 << 3,
    WriteZeroes = 1 << 4,
    /// <summary>Zeroing without NoHole costs metadata only, so a fast-zero request can succeed.</summary>
    FastZero = 1 << 5,
    /// <summary>The device knows which ranges are holes or zero.</summary>
    Extents = 1 << 6,
    /// <summary>The device knows which layer of a stack holds each range.</summary>
    AllocationDepth = 1 << 7,
    /// <summary>A flush on one handle makes writes from every handle of the same device durable.</summary>
    MultiConnConsistent = 1 << 8,
    /// <summary>Prefetch hints are accepted.</summary>
    Cache = 1 << 9,
}
