using System.Buffers.Binary;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using NbdServer;
using NbdServer.Connection;
using NbdServer.Exports;
using UnionBlock.Abstractions;

namespace UnionBlock.Benchmarks;

/// <summary>
/// The whole protocol path — parse, validate, device read, reply — over in-memory pipes, no sockets:
/// batches of 32 pipelined 4 KiB reads, as a QD32 client sends them.
/// </summary>
[MemoryDiagnoser]
public class EmbeddedConnectionBenchmarks
{
    private const int Batch = 32;
    private Pipe _toServer = null!;
    private Pipe _toClient = null!;
    private Task _server = null!;
    private byte[] _requests = [];
    private MemoryBlockDevice _device = null!;

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    // Synchronous on purpose: the harness must not start iterating while setup still reads the pipe.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _device = new MemoryBlockDevice(64L << 20);
        _toServer = new Pipe();
        _toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var exports = new DeviceExportProvider(new Dictionary<string, IBlockDevice> { ["disk"] = _device }, "disk");
        var connection = new NbdConnection(new Duplex(_toServer.Reader, _toClient.Writer), exports, new NbdServerOptions(), NullLogger.Instance, "bench", CancellationToken.None);
        _server = Task.Run(connection.RunAsync);
        // Handshake: flags, then EXPORT_NAME "disk".
        await ReadAsync(18);
        byte[] hello = new byte[4 + 16 + 4];
        BinaryPrimitives.WriteUInt32BigEndian(hello, 3);
        BinaryPrimitives.WriteUInt64BigEndian(hello.AsSpan(4), 0x49484156454F5054);
        BinaryPrimitives.WriteUInt32BigEndian(hello.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt32BigEndian(hello.AsSpan(16), 4);
        "disk"u8.CopyTo(hello.AsSpan(20));
        await _toServer.Writer.WriteAsync(hello);
        await ReadAsync(10);
        _requests = new byte[28 * Batch];
        var random = new Random(1);
        for (int i = 0; i < Batch; i++)
        {
            Span<byte> request = _requests.AsSpan(i * 28, 28);
            BinaryPrimitives.WriteUInt32BigEndian(request, 0x25609513);
            BinaryPrimitives.WriteUInt64BigEndian(request[8..], (ulong)i);
            BinaryPrimitives.WriteUInt64BigEndian(request[16..], (ulong)random.Next(16384) * 4096);
            BinaryPrimitives.WriteUInt32BigEndian(request[24..], 4096);
        }
    }

    private async Task ReadAsync(long count)
    {
        while (count > 0)
        {
            ReadResult result = await _toClient.Reader.ReadAtLeastAsync((int)Math.Min(count, 1 << 20));
            long take = Math.Min(count, result.Buffer.Length);
            _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(take));
            count -= take;
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task PipelinedReads4K()
    {
        await _toServer.Writer.WriteAsync(_requests);
        await ReadAsync(Batch * (16 + 4096));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _toServer.Writer.Complete();
        _server.GetAwaiter().GetResult();
        _device.Dispose();
    }
}
