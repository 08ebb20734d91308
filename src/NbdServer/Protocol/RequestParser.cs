using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace NbdServer.Protocol;

/// <summary>Pure parsers for the fixed-size headers of the protocol. They never allocate.</summary>
internal static class RequestParser
{
    /// <summary>Parses a 28-byte request header from the start of <paramref name="buffer"/>.</summary>
    /// <returns>False when fewer than 28 bytes are buffered. Throws on a bad magic.</returns>
    public static bool TryParseRequest(in ReadOnlySequence<byte> buffer, out NbdRequest request)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= NbdWire.RequestHeaderSize)
        {
            request = Decode(first);
            return true;
        }
        return TryParseRequestMultiSegment(buffer, out request);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryParseRequestMultiSegment(in ReadOnlySequence<byte> buffer, out NbdRequest request)
    {
        if (buffer.Length < NbdWire.RequestHeaderSize)
        {
            request = default;
            return false;
        }
        Span<byte> header = stackalloc byte[NbdWire.RequestHeaderSize];
        buffer.Slice(0, NbdWire.RequestHeaderSize).CopyTo(header);
        request = Decode(header);
        return true;
    }

    private static NbdRequest Decode(ReadOnlySpan<byte> header)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != NbdWire.RequestMagic)
        {
            NbdProtocolException.Throw(ProtocolViolation.BadRequestMagic, $"request magic 0x{magic:x8}");
        }
        return new NbdRequest(
            BinaryPrimitives.ReadUInt16BigEndian(header[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(header[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(header[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(header[24..]));
    }

    /// <summary>Parses a 16-byte option header (IHAVEOPT, option, length).</summary>
    public static bool TryParseOption(in ReadOnlySequence<byte> buffer, out uint option, out uint length)
    {
        option = 0;
        length = 0;
        if (buffer.Length < NbdWire.OptionHeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[NbdWire.OptionHeaderSize];
        buffer.Slice(0, NbdWire.OptionHeaderSize).CopyTo(header);
        ulong magic = BinaryPrimitives.ReadUInt64BigEndian(header);
        if (magic != NbdWire.IHaveOpt)
        {
            NbdProtocolException.Throw(ProtocolViolation.BadOptionMagic, $"option magic 0x{magic:x16}");
        }
        option = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        length = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        return true;
    }
}
