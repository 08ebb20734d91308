using UnionBlock.Store;
using UnionBlock.Union;

namespace UnionBlock.Tests;

/// <summary>
/// A store with a chain of a chosen depth: a random root with holes, then depth-1 branches each
/// made by writing random blocks to a leaf and freezing it, then a fresh leaf on top.
/// </summary>
public sealed class UnionFixture : IDisposable
{
    private readonly TempDirectory _directory = new();
    private DeviceLease? _lease;

    public UnionFixture(int frozenDepth, long size = 1 << 20, int seed = 1)
    {
        Size = size;
        var random = new Random(seed);
        string image = _directory.File("root.img");
        WriteRandomImage(image, size, random);
        Store = TestStore.Open(_directory.File("data"));
        CreateRoot(Store, "root", image);
        string parent = "root";
        for (int level = 1; level < frozenDepth; level++)
        {
            Store.CreateLeaf($"work{level}", parent);
            using (DeviceLease lease = Store.OpenDevice($"work{level}"))
            {
                WriteRandomBlocks(lease.Device, random, count: (int)(size / Blocks.Size / 4));
            }
            Store.Freeze($"work{level}", $"branch{level}");
            parent = $"branch{level}";
        }
        TopFrozen = parent;
        Store.CreateLeaf("node", parent);
    }

    public LayerStore Store { get; private set; }

    public long Size { get; }

    public string TopFrozen { get; }

    public string DataDirectory => _directory.File("data");

    public string TempFile(string name) => _directory.File(name);

    public UnionDevice Open()
    {
        _lease ??= Store.OpenDevice("node");
        return _lease.Device;
    }

    /// <summary>Closes the store cleanly and opens it again.</summary>
    public UnionDevice Reopen()
    {
        _lease?.Dispose();
        _lease = null;
        Store.Dispose();
        Store = TestStore.Open(DataDirectory);
        return Open();
    }

    /// <summary>Registers a raw image as a root with the engine's primitives alone (importing, with
    /// its formats and checks, is ImageTree's operation).</summary>
    public static LayerRecord CreateRoot(LayerStore store, string name, string rawImage)
    {
        var id = Guid.NewGuid();
        (long size, _) = store.WriteRootFromImage(id, rawImage, progress: null, CancellationToken.None);
        var root = new LayerRecord(id, name, LayerKind.Root, null, size, 0, DateTimeOffset.UtcNow);
        store.CommitNewLayer(root);
        return root;
    }

    public static void WriteRandomImage(string path, long size, Random random)
    {
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(file, size);
        byte[] block = new byte[Blocks.Size];
        for (long offset = 0; offset < size; offset += Blocks.Size)
        {
            if (random.Next(3) == 0)
            {
                continue; // a hole
            }
            random.NextBytes(block);
            RandomAccess.Write(file, block, offset);
        }
    }

    private static void WriteRandomBlocks(UnionDevice device, Random random, int count)
    {
        byte[] block = new byte[Blocks.Size];
        long blocks = device.Size / Blocks.Size;
        for (int i = 0; i < count; i++)
        {
            long b = random.NextInt64(blocks);
            if (random.Next(5) == 0)
            {
                device.WriteZeroes(b * Blocks.Size, Blocks.Size, Abstractions.ZeroFlags.None);
                continue;
            }
            random.NextBytes(block);
            device.Write(b * Blocks.Size, new System.Buffers.ReadOnlySequence<byte>(block));
        }
    }

    public void Dispose()
    {
        _lease?.Dispose();
        Store.Dispose();
        _directory.Dispose();
    }
}
