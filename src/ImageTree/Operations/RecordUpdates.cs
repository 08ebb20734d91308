using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Commits metadata of existing layers (labels, protection, quotas, pending refresh).</summary>
public sealed class RecordUpdates(LayerStore layers)
{
    /// <summary>Commits <paramref name="records"/> and applies a changed quota to a running device.
    /// Refuses a change of anything but metadata (kind, parent, generation, name).</summary>
    public void Update(IReadOnlyList<LayerRecord> records) =>
        layers.RunExclusive(() =>
        {
            foreach (LayerRecord record in records)
            {
                LayerRecord current = layers.Get(record.Id) ?? throw new StoreException(StoreErrorKind.NotFound, $"layer '{record.Name}' no longer exists");
                if (current.Kind != record.Kind || current.ParentId != record.ParentId || current.Generation != record.Generation || current.Name != record.Name)
                {
                    throw new InvalidOperationException("UpdateRecords changes metadata only");
                }
            }
            layers.Commit(records, []);
            foreach (LayerRecord record in records)
            {
                layers.ApplyQuota(record);
            }
            return true;
        });
}
