using UnionBlock.Leaf;
using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>
/// Primitives that change the catalog or running devices. A tree operation writes its files first,
/// makes them durable, and commits once (the commit point): after a crash either all of it
/// happened or none of it did.
/// </summary>
public sealed partial class LayerStore
{
    /// <summary>Runs a tree operation with every other one held off, so the checks it makes still
    /// hold when it commits. Reentrant: an operation may call primitives that take it too.</summary>
    public T RunExclusive<T>(Func<T> operation)
    {
        lock (_operations)
        {
            return operation();
        }
    }

    /// <summary>Commits records and deletions atomically (the catalog's commit).</summary>
    public void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes) => _catalog.Commit(upserts, deletes);

    /// <summary>Makes a new layer's folder durable and commits its record.</summary>
    public void CommitNewLayer(LayerRecord layer)
    {
        SyncLayerFolders();
        Fault.Point("new-layer-before-commit");
        _catalog.Commit([layer], []);
    }

    /// <summary>Commits <paramref name="records"/>, which move <paramref name="leaf"/> onto the frozen
    /// chain topped by <paramref name="chainTop"/>; a device open on the leaf switches to that chain
    /// in the same step, with its readers held off, so it never reads a half-moved chain.</summary>
    public void CommitMovingLeaf(LayerRecord leaf, Guid chainTop, IReadOnlyList<LayerRecord> records)
    {
        UnionDevice? open = OpenDeviceOf(leaf.Id);
        if (open is null)
        {
            _catalog.Commit(records, []);
            return;
        }
        open.Exclusive(() =>
        {
            _catalog.Commit(records, []);
            open.Replace(open.Leaf, Chain(chainTop));
            return true;
        });
    }

    /// <summary>Makes the open devices of deleted layers fail every later request; their files are
    /// about to go, so closing them writes nothing.</summary>
    public void RetireDevices(IEnumerable<Guid> ids, string reason)
    {
        lock (_devices)
        {
            foreach (Guid id in ids)
            {
                if (_devices.TryGetValue(id, out SharedDevice? shared))
                {
                    shared.Retired = true;
                    shared.Device.Retire(reason);
                }
            }
        }
    }

    /// <summary>Applies a committed record's quotas to the layer's device, when one is open.</summary>
    public void ApplyQuota(LayerRecord record) => OpenDeviceOf(record.Id)?.SetQuota(record.QuotaBytes, record.SoftQuotaBytes);

    /// <summary>Starts rewriting the leaf a lease holds into its next generation, from a snapshot
    /// of its index; <see cref="SwapLeaves"/> makes the rewrite current.</summary>
    public static LeafRewrite BeginLeafRewrite(DeviceLease lease) => lease.Device.Leaf!.BeginRewrite(keepLiveBlocks: false);

    /// <summary>The index and data of the leaf a lease holds open, read-only.</summary>
    public static LeafContents ContentsOf(DeviceLease lease) => new(lease.Device.Leaf!);

    /// <summary>Runs <paramref name="action"/> on the device of a layer, by record.</summary>
    public T Read<T>(LayerRecord layer, Func<UnionDevice, T> action) => WithDevice(layer, action);
}
