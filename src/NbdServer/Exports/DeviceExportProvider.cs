using UnionBlock.Abstractions;

namespace NbdServer.Exports;

/// <summary>Serves a fixed set of devices by name; the devices stay owned by the caller.</summary>
public sealed class DeviceExportProvider(IReadOnlyDictionary<string, IBlockDevice> devices, string defaultExportName = "") : INbdExportProvider
{
    public string DefaultExportName { get; } = defaultExportName;

    public IReadOnlyList<NbdExportListing> List() => [.. devices.Keys.Order(StringComparer.Ordinal).Select(n => new NbdExportListing(n, null))];

    public NbdExport? TryOpen(string name, ExportUse use, out string? error)
    {
        if (devices.TryGetValue(name, out IBlockDevice? device))
        {
            error = null;
            return new NbdExport(name, device, null, null);
        }
        error = $"no export named '{name}'";
        return null;
    }
}
