using System.Buffers.Binary;

namespace UnionBlock.Leaf;

/// <summary>
/// The 32-byte header before every leaf log record. Layout (little-endian):
/// 0 magic u32, 4 version u8, 5 kind u8, 6 reserved u16, 8 sequence u64, 16 first block u64,
/// 24 block count u32, 28 CRC-32C u32 over the payload followed by header bytes 0..28 (payload first,
/// so the costly part can be computed before the appender assigns the sequence number).
/// </summary>
internal readonly record struct LogRecordHeader(RecordKind Kind, ulong Sequence, long FirstBlock, uint BlockCount)
{
    public const int Size = 32;
    public const uint Magic = 0x524C4255; // "UBLR"
    public const byte Version = 1;
    private const int ChecksumOffset = 28;

    /// <summary>The most blocks one data record carries (32 MiB): the largest request plus headroom.</summary>
    public const uint MaxDataBlocks = 8192;

    /// <summary>Bytes of block data that follow the header.</summary>
    public long PayloadLength => Kind == RecordKind.Data ? (long)BlockCount * Blocks.Size : 0;

    public long RecordLength => Size + PayloadLength;

    /// <summary>Writes the header, sealing it with the checksum continued from <paramref name="payloadCrcState"/>
    /// (the unfinished CRC-32C state over the payload).</summary>
    public void Write(Span<byte> destination, uint payloadCrcState)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = Version;
        destination[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], FirstBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], BlockCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ChecksumOffset..], Seal(destination, payloadCrcState));
    }

    /// <summary>True when the stored checksum matches the header and the payload's CRC state.</summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> header, uint payloadCrcState) =>
        BinaryPrimitives.ReadUInt32LittleEndian(header[ChecksumOffset..]) == Seal(header, payloadCrcState);

    private static uint Seal(ReadOnlySpan<byte> header, uint payloadCrcState) =>
        Checksums.Crc32C.Finish(Checksums.Crc32C.Append(payloadCrcState, header[..ChecksumOffset]));

    /// <summary>Parses a header; false when the bytes cannot be a record header of this format.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, long deviceBlocks, out LogRecordHeader header)
    {
        header = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || source[4] != Version)
        {
            return false;
        }
        var kind = (RecordKind)source[5];
        if (kind is not (RecordKind.Data or RecordKind.Zero))
        {
            return false;
        }
        long first = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]);
        if (first < 0 || count == 0 || first + count > deviceBlocks || (kind == RecordKind.Data && count > MaxDataBlocks))
        {
            return false;
        }
        header = new LogRecordHeader(kind, BinaryPrimitives.ReadUInt64LittleEndian(source[8..]), first, count);
        return true;
    }
}
