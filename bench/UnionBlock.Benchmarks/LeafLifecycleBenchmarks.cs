using BenchmarkDotNet.Attributes;
using ImageTree.Operations;
using UnionBlock.Leaf;
using UnionBlock.Store;

namespace UnionBlock.Benchmarks;

/// <summary>
/// Opening a leaf whose index maps two million blocks (from its checkpoint, and with no
/// checkpoint at all after a crash), and registering a new leaf in a store.
/// </summary>
[MemoryDiagnoser]
public class LeafLifecycleBenchmarks
{
    private const int MappedBlocks = 2_000_000;
    private string _directory = "";
    private Guid _id;
    private ImageTree.Tree.ImageTreeService _tree = null!;
    private LayerStore _store = null!;
    private int _leaves;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ubbench-" + Guid.NewGuid().ToString("N")[..8]);
        _id = Guid.NewGuid();
        using (LeafLayer leaf = LeafLayer.Create(Path.Combine(_directory, "leaf"), _id, 1, 64L << 30))
        {
            // Every other block zeroed on its own: two million index entries, a 64 MB log.
            for (long block = 0; block < MappedBlocks; block++)
            {
                leaf.AppendZeroes(block * 2, 1);
            }
        }
        File.Copy(Path.Combine(_directory, "leaf", "log-1.ublog"), Path.Combine(_directory, "log-copy"));
        Directory.CreateDirectory(Path.Combine(_directory, "nocheckpoint"));
        File.Copy(Path.Combine(_directory, "log-copy"), Path.Combine(_directory, "nocheckpoint", "log-1.ublog"));

        string image = Path.Combine(_directory, "root.img");
        using (var file = File.OpenHandle(image, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.SetLength(file, 1L << 30);
        }
        _tree = ImageTree.Tree.ImageTreeService.Open(Path.Combine(_directory, "store"));
        _store = _tree.Layers;
        new TreeImport(_store).Import("root", image, ImageFormat.Raw);
    }

    [Benchmark]
    public long Open_two_million_blocks_from_checkpoint()
    {
        using LeafLayer leaf = LeafLayer.Open(Path.Combine(_directory, "leaf"), _id, 1, 64L << 30);
        long mapped = leaf.MappedBlocks;
        leaf.Abandon(); // keep the checkpoint as it is for the next iteration
        return mapped;
    }

    [Benchmark]
    public long Open_two_million_blocks_replaying_the_whole_log()
    {
        using LeafLayer leaf = LeafLayer.Open(Path.Combine(_directory, "nocheckpoint"), _id, 1, 64L << 30);
        long mapped = leaf.MappedBlocks;
        leaf.Abandon();
        return mapped;
    }

    [Benchmark]
    public LayerRecord Create_leaf() => _store.CreateLeaf($"node{_leaves++}", "root");

    [GlobalCleanup]
    public void Cleanup()
    {
        _tree.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
