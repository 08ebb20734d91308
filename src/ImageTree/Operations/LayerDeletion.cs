using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Removes layers and their files. The catalog commit comes first: files go only once the
/// catalog recorded their deletion, and a crash after it leaves folders the next open removes.</summary>
public sealed class LayerDeletion(LayerStore layers)
{
    /// <summary>Removes layers (children before parents) and their files; a device still open on a
    /// removed layer fails every later request. Returns the bytes of files removed.</summary>
    public long Delete(IReadOnlyList<LayerRecord> doomed) =>
        layers.RunExclusive(() =>
        {
            var ids = doomed.Select(l => l.Id).ToHashSet();
            foreach (LayerRecord layer in doomed)
            {
                if (layers.Layers.FirstOrDefault(c => c.ParentId == layer.Id && !ids.Contains(c.Id)) is { } child)
                {
                    throw new StoreException(StoreErrorKind.InUse, $"'{layer.Name}' still has child '{child.Name}'");
                }
            }
            long bytes = doomed.Sum(l => layers.FileBytes(l.Id));
            Fault.Point("delete-before-commit");
            layers.Commit([], [.. ids]);
            Fault.Point("delete-after-commit");
            layers.RetireDevices(ids, "the layer was deleted");
            layers.RetireChains();
            foreach (Guid id in ids)
            {
                string directory = layers.LayerDirectory(id);
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            return bytes;
        });
}
