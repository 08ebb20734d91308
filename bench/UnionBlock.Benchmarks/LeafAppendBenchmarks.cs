using BenchmarkDotNet.Attributes;
using FASTER.core;
using UnionBlock.Leaf;

namespace UnionBlock.Benchmarks;

/// <summary>
/// The leaf log's write path: a group of 32 appends of 4 KiB, then one commit, as a client's
/// writes and flush arrive. Our plain append file (pwritev + fdatasync) against FasterLog with the
/// same group size, for the DESIGN.md choice between them.
/// </summary>
[MemoryDiagnoser]
public class LeafAppendBenchmarks
{
    private const int Group = 32;
    private readonly byte[] _block = new byte[4096];
    private string _directory = "";
    private LeafLayer _leaf = null!;
    private IDevice _fasterDevice = null!;
    private FasterLog _fasterLog = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_block);
        _directory = Path.Combine(Path.GetTempPath(), "ubbench-" + Guid.NewGuid().ToString("N")[..8]);
        _leaf = LeafLayer.Create(Path.Combine(_directory, "leaf"), Guid.NewGuid(), 1, 64L << 30);
        _fasterDevice = FASTER.core.Devices.CreateLogDevice(Path.Combine(_directory, "faster", "log"), deleteOnClose: true);
        _fasterLog = new FasterLog(new FasterLogSettings { LogDevice = _fasterDevice, PageSizeBits = 22, MemorySizeBits = 26 });
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Group)]
    public async Task LeafLog_append_then_group_commit()
    {
        for (int i = 0; i < Group; i++)
        {
            _leaf.AppendData(_next++ % (16L << 20), _block);
        }
        await _leaf.FlushAsync();
    }

    [Benchmark(OperationsPerInvoke = Group)]
    public async Task FasterLog_enqueue_then_commit()
    {
        for (int i = 0; i < Group; i++)
        {
            _fasterLog.Enqueue(_block);
        }
        await _fasterLog.CommitAsync();
    }

    [Benchmark(OperationsPerInvoke = Group)]
    public void LeafLog_append_only()
    {
        for (int i = 0; i < Group; i++)
        {
            _leaf.AppendData(_next++ % (16L << 20), _block);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _leaf.Dispose();
        _fasterLog.Dispose();
        _fasterDevice.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
