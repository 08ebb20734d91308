using UnionBlock.Abstractions;

namespace NbdServer.Exports;

/// <summary>An opened export: the device a connection serves. Disposing releases the caller's use
/// of the device (the provider decides whether that closes it).</summary>
public sealed class NbdExport(string name, IBlockDevice device, string? description, Action? release) : IDisposable
{
    private Action? _release = release;

    public string Name { get; } = name;

    public IBlockDevice Device { get; } = device;

    public string? Description { get; } = description;

    public bool ReadOnly => (Device.Capabilities & DeviceCapabilities.Write) == 0;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
