using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>
/// A use of a layer's device. Every lease of one layer shares one device, so a flush through any
/// connection covers writes from all of them; the device closes when the last lease is disposed.
/// </summary>
public sealed class DeviceLease : IDisposable
{
    private readonly Action<DeviceLease> _release;
    private int _disposed;

    internal DeviceLease(LayerRecord layer, UnionDevice device, Action<DeviceLease> release)
    {
        Layer = layer;
        Device = device;
        _release = release;
    }

    public LayerRecord Layer { get; }

    public UnionDevice Device { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _release(this);
        }
    }
}
