using System.Buffers.Binary;
using UnionBlock;

namespace ImageTree.Streams;

/// <summary>
/// The layout of an edition stream (docs/stream-format.md): magic, a checksummed JSON header, then
/// records in ascending block order, each with a CRC-32C over its header and payload, and an end
/// record holding the SHA-256 of the disk the stream describes and of every stream byte before it.
/// </summary>
internal static class StreamFormat
{
    public static ReadOnlySpan<byte> Magic => "UBDSTRM1"u8;

    public const int Version = 1;

    /// <summary>The most blocks one data record carries (1 MiB): a reader never holds more than this.</summary>
    public const int MaxRecordBlocks = 256;

    /// <summary>A header larger than this is not one we wrote.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>kind u8, codec u8, reserved u16, block count u32, first block u64, stored bytes u32, CRC-32C u32.</summary>
    public const int RecordHeaderSize = 24;

    public const int EndPayloadSize = 32 + 32 + 8 + 8;

    public static int MaxStoredBytes => K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(MaxRecordBlocks * Blocks.Size);
}

internal enum StreamRecordKind : byte
{
    /// <summary>Blocks with data, LZ4-compressed or stored as they are.</summary>
    Data = 1,
    /// <summary>Blocks that read as zeros in the edition but not in the base (an incremental stream only).</summary>
    Zero = 2,
    /// <summary>The last record: digests and counts.</summary>
    End = 0xFF,
}

internal enum StreamCodec : byte
{
    None = 0,
    Lz4 = 1,
}

/// <summary>One record's fixed header.</summary>
internal readonly record struct StreamRecordHeader(StreamRecordKind Kind, StreamCodec Codec, int BlockCount, long FirstBlock, int StoredBytes)
{
    public long EndBlock => FirstBlock + BlockCount;

    /// <summary>Writes the header's first 20 bytes; the CRC goes in the last 4 once the payload is known.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[..StreamFormat.RecordHeaderSize].Clear();
        destination[0] = (byte)Kind;
        destination[1] = (byte)Codec;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], BlockCount);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], FirstBlock);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], StoredBytes);
    }

    public static StreamRecordHeader ReadFrom(ReadOnlySpan<byte> source) => new(
        (StreamRecordKind)source[0],
        (StreamCodec)source[1],
        BinaryPrimitives.ReadInt32LittleEndian(source[4..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(source[16..]));
}
