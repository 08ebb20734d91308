using System.Buffers;
using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace ImageTree.Tests.Operations;

/// <summary>Import and export straight over the engine's store, without the tree's edition names.</summary>
public sealed class ImportExportTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ubd-ops-");

    private string File(string name) => Path.Combine(_directory.FullName, name);

    private static void WriteRandom(IBlockDevice device, long offset, int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        Assert.Equal(BlockError.None, device.Write(offset, new ReadOnlySequence<byte>(data)));
    }

    [Fact]
    public void Export_writes_the_flattened_disk_sparsely()
    {
        const long Size = 1 << 20;
        string image = File("root.img");
        var random = new Random(1);
        using (var file = System.IO.File.OpenHandle(image, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.SetLength(file, Size);
            byte[] block = new byte[Blocks.Size];
            for (long offset = 0; offset < Size; offset += Blocks.Size)
            {
                if (random.Next(3) != 0) // the rest are holes
                {
                    random.NextBytes(block);
                    RandomAccess.Write(file, block, offset);
                }
            }
        }
        using ImageTreeService tree = ImageTreeService.Open(File("data"));
        LayerStore store = tree.Layers;
        new TreeImport(store).Import("root", image, ImageFormat.Raw);
        string parent = "root";
        for (int level = 1; level < 3; level++)
        {
            store.CreateLeaf($"work{level}", parent);
            using (DeviceLease work = store.OpenDevice($"work{level}"))
            {
                WriteRandom(work.Device, level * 16L * Blocks.Size, 4 * Blocks.Size, level);
            }
            store.Freeze($"work{level}", $"branch{level}");
            parent = $"branch{level}";
        }
        store.CreateLeaf("node", parent);
        using DeviceLease lease = store.OpenDevice("node");
        WriteRandom(lease.Device, 4096, 8192, 9);
        byte[] expected = new byte[lease.Device.Size];
        Assert.Equal(BlockError.None, lease.Device.Read(0, expected));
        string output = File("flat.raw");
        new TreeExport(store).Export("node", output, ImageFormat.Raw);
        Assert.True(expected.AsSpan().SequenceEqual(System.IO.File.ReadAllBytes(output)));
    }

    [Fact]
    public void Import_keeps_holes_and_stores_only_data()
    {
        string image = File("sparse.img");
        using (var file = System.IO.File.OpenHandle(image, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.SetLength(file, 64L << 20);
            RandomAccess.Write(file, new byte[] { 1, 2, 3 }, 10L << 20);
        }
        using ImageTreeService tree = ImageTreeService.Open(File("data"));
        ImportResult result = new TreeImport(tree.Layers).Import("base", image, ImageFormat.Auto);
        Assert.Equal(64L << 20, result.ImageBytes);
        Assert.Equal(Blocks.Size, result.StoredBytes);
        using DeviceLease lease = tree.Layers.OpenDevice("base");
        var extents = new List<Extent>();
        lease.Device.GetExtents(0, lease.Device.Size, extents);
        Assert.Equal(3, extents.Count);
        Assert.True(extents[0].IsHole && !extents[1].IsHole && extents[2].IsHole);
    }

    /// <summary>A qcow2 file is smaller than its disk; progress counts the disk's bytes, so its total must too (a task showed 106 %).</summary>
    [Fact]
    public void Progress_of_a_qcow2_import_counts_up_to_the_disk_it_holds()
    {
        string raw = File("disk.img");
        using (var file = System.IO.File.OpenHandle(raw, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.SetLength(file, 16L << 20);
            RandomAccess.Write(file, new byte[] { 7 }, 3L << 20);
        }
        string qcow2 = File("disk.qcow2");
        using (var convert = System.Diagnostics.Process.Start("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2])!)
        {
            convert.WaitForExit();
            Assert.Equal(0, convert.ExitCode);
        }
        Assert.True(new FileInfo(qcow2).Length < 16L << 20);

        Assert.Equal(16L << 20, TreeImport.ProgressTotal(qcow2));
        Assert.Equal(16L << 20, TreeImport.ProgressTotal(raw));
        Assert.Equal(0, TreeImport.ProgressTotal(File("missing.img")));
        using ImageTreeService tree = ImageTreeService.Open(File("data"));
        var reported = new List<long>();
        new TreeImport(tree.Layers).Import(new NewLayer("base"), qcow2, ImageFormat.Auto, null, new SynchronousProgress(reported.Add));
        Assert.True(reported.Max() <= TreeImport.ProgressTotal(qcow2), $"progress reached {reported.Max()}");
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
