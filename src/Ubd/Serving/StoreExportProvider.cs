using ImageTree.Tree;
using NbdServer.Exports;
using UnionBlock.Store;

namespace Ubd.Serving;

/// <summary>
/// Exports every layer of the tree by name: leaves writable, frozen layers read-only. A connection
/// to a leaf attaches its node (remembered across restarts). With an auto-leaf parent, an unknown
/// name becomes a new leaf over it on first connect — a new node's disk exists the moment it asks.
/// </summary>
public sealed class StoreExportProvider(ImageTreeService tree, string? autoLeafParent) : INbdExportProvider
{
    public string DefaultExportName => string.Empty;

    public IReadOnlyList<NbdExportListing> List() =>
        [.. tree.Layers.Layers.Select(l => new NbdExportListing(l.Name, Describe(l)))];

    public NbdExport? TryOpen(string name, ExportUse use, out string? error)
    {
        if (LayerName.Problem(name) is { } problem)
        {
            error = problem;
            return null;
        }
        try
        {
            // A lineage alone serves its latest edition (read-only), never a new leaf of that name.
            LayerRecord? layer = tree.TryResolve(name);
            if (layer is null)
            {
                if (autoLeafParent is null)
                {
                    error = $"no export named '{name}' (the server was started without --auto-leaf)";
                    return null;
                }
                try
                {
                    layer = tree.CreateLeaf(name, autoLeafParent);
                }
                catch (StoreException exists) when (exists.Kind == StoreErrorKind.AlreadyExists && tree.Layers.Find(name) is { } raced)
                {
                    layer = raced; // another connection registered it a moment ago
                }
            }
            // Only a client that goes on to use the disk is a node attached to it; INFO is a look.
            IDisposable? attachment = layer.Kind == LayerKind.Leaf && use.Transmission ? tree.Attach(layer, use.Peer) : null;
            DeviceLease lease;
            try
            {
                lease = tree.Layers.OpenDevice(layer.Name);
            }
            catch
            {
                attachment?.Dispose();
                throw;
            }
            if (lease.Device.Fault is { } fault)
            {
                lease.Dispose();
                attachment?.Dispose();
                error = fault;
                return null;
            }
            error = null;
            return new NbdExport(layer.Name, lease.Device, Describe(lease.Layer), () =>
            {
                lease.Dispose();
                attachment?.Dispose();
            });
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
