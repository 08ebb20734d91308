using NbdServer.Exports;
using UnionBlock.Store;

namespace DeployDirector.Serving;

/// <summary>
/// Exports every layer of a store by name: leaves writable, frozen layers read-only. With an
/// auto-leaf parent, an unknown name becomes a new leaf over it on first connect — a new node's
/// disk exists the moment it asks for it.
/// </summary>
public sealed class StoreExportProvider(LayerStore store, string? autoLeafParent) : INbdExportProvider
{
    public string DefaultExportName => string.Empty;

    public IReadOnlyList<NbdExportListing> List() =>
        [.. store.Layers.Select(l => new NbdExportListing(l.Name, Describe(l)))];

    public NbdExport? TryOpen(string name, out string? error)
    {
        if (LayerName.Problem(name) is { } problem)
        {
            error = problem;
            return null;
        }
        try
        {
            if (store.Find(name) is null)
            {
                if (autoLeafParent is null)
                {
                    error = $"no export named '{name}' (the server was started without --auto-leaf)";
                    return null;
                }
                store.GetOrCreateLeaf(name, autoLeafParent);
            }
            DeviceLease lease = store.OpenDevice(name);
            if (lease.Device.Fault is { } fault)
            {
                lease.Dispose();
                error = fault;
                return null;
            }
            error = null;
            return new NbdExport(name, lease.Device, Describe(lease.Layer), lease.Dispose);
        }
        catch (Exception exception) when (exception is StoreException or IOException)
        {
            error = exception.Message;
            return null;
        }
    }

    private static string Describe(LayerRecord layer) => layer.Kind switch
    {
        LayerKind.Leaf => "node leaf (writable)",
        LayerKind.Branch => "frozen branch (read-only)",
        _ => "root image (read-only)",
    };
}
