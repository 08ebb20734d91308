using System.Buffers;
using System.Buffers.Binary;
using NbdServer.Protocol;

namespace NbdServer.Tests;

/// <summary>Parsers must give the same answer however the bytes arrived: whole, byte by byte, or split anywhere.</summary>
public sealed class RequestParserTests
{
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

    private static ReadOnlySequence<byte> Build(byte[] bytes, IReadOnlyList<int> cuts)
    {
        var points = new List<int> { 0 };
        points.AddRange(cuts);
        points.Add(bytes.Length);
        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i < points.Count - 1; i++)
        {
            last = new Segment(bytes.AsMemory(points[i], points[i + 1] - points[i]), last);
            first ??= last;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Single segment, one byte per segment, and every two-way split.</summary>
    private static IEnumerable<ReadOnlySequence<byte>> Segmentations(byte[] bytes)
    {
        yield return new ReadOnlySequence<byte>(bytes);
        yield return Build(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]);
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            yield return Build(bytes, [cut]);
        }
    }

    private static byte[] Request(ushort flags, ushort type, ulong cookie, ulong offset, uint length, uint magic = 0x25609513)
    {
        byte[] bytes = new byte[28];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), length);
        return bytes;
    }

    [Fact]
    public void Request_header_parses_the_same_over_every_segmentation()
    {
        byte[] bytes = Request(0x0005, 1, 0x0102030405060708, 0x1122334455667788, 0xAABBCCDD);
        foreach (ReadOnlySequence<byte> sequence in Segmentations(bytes))
        {
            Assert.True(RequestParser.TryParseRequest(sequence, out NbdRequest request));
            Assert.Equal(new NbdRequest(5, 1, 0x0102030405060708, 0x1122334455667788, 0xAABBCCDD), request);
        }
    }

    [Fact]
    public void Every_prefix_shorter_than_a_header_asks_for_more()
    {
        byte[] bytes = Request(0, 0, 1, 2, 3);
        for (int length = 0; length < 28; length++)
        {
            foreach (ReadOnlySequence<byte> sequence in length == 0 ? [ReadOnlySequence<byte>.Empty] : Segmentations(bytes[..length]))
            {
                Assert.False(RequestParser.TryParseRequest(sequence, out _));
            }
        }
    }

    [Fact]
    public void A_bad_request_magic_is_a_protocol_violation_over_every_segmentation()
    {
        byte[] bytes = Request(0, 0, 1, 2, 3, magic: 0xDEADBEEF);
        foreach (ReadOnlySequence<byte> sequence in Segmentations(bytes))
        {
            var error = Assert.Throws<NbdProtocolException>(() => RequestParser.TryParseRequest(sequence, out _));
            Assert.Equal(ProtocolViolation.BadRequestMagic, error.Violation);
        }
    }

    [Fact]
    public void Option_header_parses_the_same_over_every_segmentation()
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, 0x49484156454F5054);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), 7);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), 1234);
        foreach (ReadOnlySequence<byte> sequence in Segmentations(bytes))
        {
            Assert.True(RequestParser.TryParseOption(sequence, out uint option, out uint length));
            Assert.Equal((7u, 1234u), (option, length));
        }
    }
}
