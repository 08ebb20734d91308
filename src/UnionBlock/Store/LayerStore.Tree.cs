using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Root;
using UnionBlock.Union;

namespace UnionBlock.Store;

/// <summary>
/// The data side of tree operations: each writes a layer's files first, makes them durable, and
/// then commits the catalog once (the commit point). A crash before the commit leaves files that
/// the next open removes; after it, the operation happened. Policy (names of editions, protection,
/// attachments) belongs to the image tree above.
/// </summary>
public sealed partial class LayerStore
{
    /// <summary>Commits metadata of existing layers (labels, protection, quotas, pending refresh) and
    /// applies a changed quota to a running device.</summary>
    public void UpdateRecords(IReadOnlyList<LayerRecord> records)
    {
        lock (_operations)
        {
            foreach (LayerRecord record in records)
            {
                LayerRecord current = _catalog.Get(record.Id) ?? throw new StoreException(StoreErrorKind.NotFound, $"layer '{record.Name}' no longer exists");
                if (current.Kind != record.Kind || current.ParentId != record.ParentId || current.Generation != record.Generation || current.Name != record.Name)
                {
                    throw new InvalidOperationException("UpdateRecords changes metadata only");
                }
            }
            _catalog.Commit(records, []);
            foreach (LayerRecord record in records)
            {
                OpenDeviceOf(record.Id)?.SetQuota(record.QuotaBytes, record.SoftQuotaBytes);
            }
        }
    }

    /// <summary>Creates an empty frozen branch over a frozen layer (a service group's starting point).</summary>
    public LayerRecord CreateBranch(NewLayer name, string parentName)
    {
        lock (_operations)
        {
            CheckNewName(name.Name);
            LayerRecord parent = RequireFrozen(parentName, "a branch's parent");
            LayerRecord branch = name.Stamp(new LayerRecord(Guid.NewGuid(), name.Name, LayerKind.Branch, parent.Id, parent.Size, 0, DateTimeOffset.UtcNow));
            using (var writer = new FrozenLayerWriter(LayerDirectory(branch.Id), branch.Id, Blocks.Count(branch.Size)))
            {
                writer.Complete();
            }
            CommitNewLayer(branch);
            return branch;
        }
    }

    /// <summary>
    /// A copy of <paramref name="branchName"/>'s own blocks over <paramref name="newParentName"/>: how
    /// a service group's branch is refreshed onto a new edition without changing the old one.
    /// </summary>
    public LayerRecord CopyBranchOnto(string branchName, string newParentName, NewLayer name)
    {
        lock (_operations)
        {
            CheckNewName(name.Name);
            LayerRecord source = Get(branchName);
            if (source.Kind != LayerKind.Branch)
            {
                throw new StoreException(StoreErrorKind.WrongKind, $"'{branchName}' is a {Describe(source)}; only branches are copied onto a new parent");
            }
            LayerRecord parent = RequireFrozen(newParentName, "the new parent");
            CheckSameSize(source, parent);
            LayerRecord copy = name.Stamp(source with { Id = Guid.NewGuid(), ParentId = parent.Id, CreatedUtc = DateTimeOffset.UtcNow, Labels = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty, Protected = false, Pinned = false });
            string sourceDirectory = LayerDirectory(source.Id);
            using (FrozenLayer layer = FrozenLayer.Open(sourceDirectory, source.Id, Blocks.Count(source.Size)))
            using (var writer = new FrozenLayerWriter(LayerDirectory(copy.Id), copy.Id, Blocks.Count(copy.Size)))
            {
                byte[] block = new byte[Blocks.Size];
                foreach (FrozenEntry entry in layer.Entries)
                {
                    if (entry.IsZero)
                    {
                        writer.AddZero(entry.Block, 1);
                        continue;
                    }
                    layer.ReadSlots(entry.Slot, block);
                    layer.Verify(entry.Crc, block, entry.Block);
                    writer.AddData(entry.Block, block);
                }
                writer.Complete();
            }
            CommitNewLayer(copy);
            return copy;
        }
    }

    /// <summary>Moves a leaf that no one has open onto another frozen layer; its own blocks stay.</summary>
    public LayerRecord ReparentLeaf(string leafName, string newParentName)
    {
        lock (_operations)
        {
            LayerRecord leaf = RequireLeaf(leafName);
            LayerRecord parent = RequireFrozen(newParentName, "the new parent");
            CheckSameSize(leaf, parent);
            if (IsOpen(leaf))
            {
                throw new StoreException(StoreErrorKind.InUse, $"leaf '{leafName}' is in use; its parent can change only while no one has it open");
            }
            LayerRecord moved = leaf with { ParentId = parent.Id, NextBootParentId = null };
            Fault.Point("reparent-before-commit");
            _catalog.Commit([moved], []);
            return moved;
        }
    }

    /// <summary>Removes layers (children before parents) and their files; a device still open on a
    /// removed layer fails every later request. Returns the bytes of files removed.</summary>
    public long Delete(IReadOnlyList<LayerRecord> layers)
    {
        lock (_operations)
        {
            var ids = layers.Select(l => l.Id).ToHashSet();
            foreach (LayerRecord layer in layers)
            {
                if (_catalog.All.FirstOrDefault(c => c.ParentId == layer.Id && !ids.Contains(c.Id)) is { } child)
                {
                    throw new StoreException(StoreErrorKind.InUse, $"'{layer.Name}' still has child '{child.Name}'");
                }
            }
            long bytes = layers.Sum(l => DirectoryBytes(LayerDirectory(l.Id)));
            Fault.Point("delete-before-commit");
            _catalog.Commit([], [.. ids]);
            Fault.Point("delete-after-commit");
            lock (_devices)
            {
                foreach (Guid id in ids)
                {
                    if (_devices.TryGetValue(id, out SharedDevice? shared))
                    {
                        shared.Retired = true;
                        shared.Device.Retire("the layer was deleted");
                    }
                }
            }
            RetireChains();
            foreach (Guid id in ids)
            {
                string directory = LayerDirectory(id);
                if (System.IO.Directory.Exists(directory))
                {
                    System.IO.Directory.Delete(directory, recursive: true);
                }
            }
            return bytes;
        }
    }

    /// <summary>The blocks <paramref name="layer"/> holds itself, ascending.</summary>
    public OwnBlocks OwnBlocksOf(LayerRecord layer)
    {
        var blocks = new List<long>();
        var zero = new List<bool>();
        switch (layer.Kind)
        {
            case LayerKind.Root:
                AllocationBitmap bitmap = AllocationBitmap.Load(LayerDirectory(layer.Id), Blocks.Count(layer.Size));
                for (long block = 0; block < bitmap.BlockCount; block++)
                {
                    if (bitmap.IsSet(block))
                    {
                        blocks.Add(block);
                        zero.Add(false);
                    }
                }
                break;
            case LayerKind.Branch:
                foreach (FrozenEntry entry in FrozenIndexFile.Read(LayerDirectory(layer.Id), layer.Id, Blocks.Count(layer.Size)))
                {
                    blocks.Add(entry.Block);
                    zero.Add(entry.IsZero);
                }
                break;
            default:
                WithDevice(layer, device =>
                {
                    foreach ((long block, long entry) in device.Leaf!.Entries())
                    {
                        blocks.Add(block);
                        zero.Add(entry == LeafEntry.Zero);
                    }
                    return true;
                });
                break;
        }
        return new OwnBlocks([.. blocks], [.. zero]);
    }

    /// <summary>Runs <paramref name="action"/> on the device of a layer, by record.</summary>
    public T Read<T>(LayerRecord layer, Func<UnionDevice, T> action) => WithDevice(layer, action);

    private void CommitNewLayer(LayerRecord layer)
    {
        DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));
        Fault.Point("new-layer-before-commit");
        _catalog.Commit([layer], []);
    }

    private LayerRecord RequireFrozen(string name, string role)
    {
        LayerRecord layer = Get(name);
        return layer.IsFrozen
            ? layer
            : throw new StoreException(StoreErrorKind.WrongKind, $"{role} must be frozen (a root or a branch), and '{name}' is a leaf. Freeze it first: ubd leaf freeze {name} --into NAME");
    }

    private static void CheckSameSize(LayerRecord a, LayerRecord b)
    {
        if (a.Size != b.Size)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"'{a.Name}' is {a.Size} bytes and '{b.Name}' {b.Size}: layers of one tree share one size");
        }
    }

    private static string Describe(LayerRecord layer) => layer.Kind.ToString().ToLowerInvariant();

    private static long DirectoryBytes(string directory) =>
        System.IO.Directory.Exists(directory)
            ? new DirectoryInfo(directory).EnumerateFiles().Sum(f => Native.LibC.AllocatedBytes(f.FullName))
            : 0;
}
