using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using NbdServer.Protocol;

namespace UnionBlock.Benchmarks;

/// <summary>Request header parsing, on the fast single-segment path and the split slow path.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private ReadOnlySequence<byte> _whole;
    private ReadOnlySequence<byte> _split;

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        byte[] request = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(request, 0x25609513);
        BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(16), 4096);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), 4096);
        _whole = new ReadOnlySequence<byte>(request);
        var first = new Segment(request.AsMemory(0, 13), null);
        var last = new Segment(request.AsMemory(13), first);
        _split = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Benchmark(Baseline = true)]
    public ulong SingleSegment()
    {
        RequestParser.TryParseRequest(_whole, out NbdRequest request);
        return request.Offset;
    }

    [Benchmark]
    public ulong SplitAcrossSegments()
    {
        RequestParser.TryParseRequest(_split, out NbdRequest request);
        return request.Offset;
    }
}
