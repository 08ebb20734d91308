using UnionBlock.Frozen;
using UnionBlock.Leaf;
using UnionBlock.Root;

namespace UnionBlock.Store;

/// <summary>
/// Primitives over a layer's files. Each writes files only: a layer exists once its record is
/// committed (see <see cref="CommitNewLayer"/>), so a crash before that leaves files the next open
/// removes.
/// </summary>
public sealed partial class LayerStore
{
    /// <summary>Makes the creation of layer folders durable; call before the commit that names them.</summary>
    public void SyncLayerFolders() => DurableFile.SyncDirectory(Path.Combine(Directory, "layers"));

    /// <summary>Starts the files of a frozen branch for <paramref name="layer"/> (blocks in ascending order).</summary>
    public FrozenLayerWriter WriteFrozenLayer(LayerRecord layer) =>
        new(LayerDirectory(layer.Id), layer.Id, Blocks.Count(layer.Size));

    /// <summary>Reads a branch's own blocks in ascending order, each data block checksum-verified;
    /// <paramref name="data"/>'s buffer is reused after it returns.</summary>
    public void ReadFrozenBlocks(LayerRecord branch, Action<long, ReadOnlyMemory<byte>> data, Action<long> zero)
    {
        using FrozenLayer layer = FrozenLayer.Open(LayerDirectory(branch.Id), branch.Id, Blocks.Count(branch.Size));
        byte[] block = new byte[Blocks.Size];
        foreach (FrozenEntry entry in layer.Entries)
        {
            if (entry.IsZero)
            {
                zero(entry.Block);
                continue;
            }
            layer.ReadSlots(entry.Slot, block);
            layer.Verify(entry.Crc, block, entry.Block);
            data(entry.Block, block);
        }
    }

    /// <summary>Writes root files for layer <paramref name="id"/> from a raw image, keeping holes as
    /// holes. Returns the image's size and the blocks that hold data.</summary>
    public (long Size, long AllocatedBlocks) WriteRootFromImage(Guid id, string rawImage, IProgress<long>? progress, CancellationToken cancellationToken) =>
        RootImporter.ImportRaw(rawImage, LayerDirectory(id), progress, cancellationToken);

    /// <summary>Starts root files for layer <paramref name="id"/> that the caller fills itself (a flatten).</summary>
    public RootImageWriter WriteRootLayer(Guid id, long size) => new(LayerDirectory(id), size);

    /// <summary>Removes a layer's branch files once a commit made it a root.</summary>
    public void DeleteBranchFiles(Guid id)
    {
        string directory = LayerDirectory(id);
        File.Delete(Path.Combine(directory, FrozenIndexFile.IndexFileName));
        File.Delete(Path.Combine(directory, FrozenIndexFile.DataFileName));
    }

    /// <summary>Bytes on disk the layer's own files take (no layer shares files).</summary>
    public long FileBytes(Guid id)
    {
        string directory = LayerDirectory(id);
        return System.IO.Directory.Exists(directory)
            ? new DirectoryInfo(directory).EnumerateFiles().Sum(f => Native.LibC.AllocatedBytes(f.FullName))
            : 0;
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
}
