using BenchmarkDotNet.Attributes;
using ImageTree.Operations;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace UnionBlock.Benchmarks;

/// <summary>Random 4 KiB reads through chains of 1, 4 and 16 frozen layers: resolution must not grow with depth.</summary>
[MemoryDiagnoser]
public class ResolutionBenchmarks
{
    private const long Size = 64L << 20;
    private string _directory = "";
    private ImageTree.Tree.ImageTreeService _tree = null!;
    private LayerStore _store = null!;
    private DeviceLease _lease = null!;
    private readonly byte[] _buffer = new byte[4096];
    private long[] _offsets = [];

    [Params(1, 4, 16)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "ubbench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        string image = Path.Combine(_directory, "root.img");
        var random = new Random(1);
        byte[] chunk = new byte[1 << 20];
        using (var file = File.OpenHandle(image, FileMode.Create, FileAccess.Write))
        {
            for (long offset = 0; offset < Size; offset += chunk.Length)
            {
                random.NextBytes(chunk);
                RandomAccess.Write(file, chunk, offset);
            }
        }
        _tree = ImageTree.Tree.ImageTreeService.Open(Path.Combine(_directory, "data"));
        _store = _tree.Layers;
        new TreeImport(_store).Import("root", image, ImageFormat.Raw);
        string parent = "root";
        byte[] block = new byte[4096];
        for (int level = 1; level < Depth; level++)
        {
            _store.CreateLeaf($"l{level}", parent);
            using (DeviceLease lease = _store.OpenDevice($"l{level}"))
            {
                for (int i = 0; i < 2000; i++)
                {
                    random.NextBytes(block);
                    lease.Device.Write(random.NextInt64(Size / 4096) * 4096, new System.Buffers.ReadOnlySequence<byte>(block));
                }
            }
            _store.Freeze($"l{level}", $"b{level}");
            parent = $"b{level}";
        }
        _store.CreateLeaf("node", parent);
        _lease = _store.OpenDevice("node");
        _offsets = [.. Enumerable.Range(0, 1024).Select(_ => random.NextInt64(Size / 4096) * 4096)];
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public BlockError RandomRead4K()
    {
        BlockError error = BlockError.None;
        foreach (long offset in _offsets)
        {
            error = _lease.Device.Read(offset, _buffer);
        }
        return error;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _lease.Dispose();
        _tree.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
