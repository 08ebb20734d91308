using System.Buffers.Binary;
using UnionBlock.Checksums;

namespace UnionBlock.Leaf;

/// <summary>
/// The 64-byte header at the start of a leaf log. Layout (little-endian): 0 magic u64, 8 version u16,
/// 10 reserved u16, 12 block size u32, 16 leaf id (16 bytes), 32 generation u64, 40 device size u64,
/// 48 reserved, 60 CRC-32C u32 over bytes 0..60.
/// </summary>
internal readonly record struct LogFileHeader(Guid LeafId, long Generation, long DeviceSize)
{
    public const int Size = 64;
    public const ulong Magic = 0x474C4641454C4255; // "UBLEAFLG"
    public const ushort Version = 1;

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Blocks.Size);
        LeafId.TryWriteBytes(destination[16..32]);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], Generation);
        BinaryPrimitives.WriteInt64LittleEndian(destination[40..], DeviceSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[60..], Crc32C.Compute(destination[..60]));
    }

    public static LogFileHeader Read(ReadOnlySpan<byte> source, string path)
    {
        if (source.Length < Size || BinaryPrimitives.ReadUInt64LittleEndian(source) != Magic)
        {
            throw new CorruptLayerException(path, "not a UnionBlock leaf log (bad magic)");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[60..]) != Crc32C.Compute(source[..60]))
        {
            throw new CorruptLayerException(path, "leaf log header checksum mismatch");
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(source[8..]) != Version)
        {
            throw new CorruptLayerException(path, "unsupported leaf log version");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[12..]) != Blocks.Size)
        {
            throw new CorruptLayerException(path, "leaf log block size is not 4096");
        }
        return new LogFileHeader(
            new Guid(source[16..32]),
            BinaryPrimitives.ReadInt64LittleEndian(source[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[40..]));
    }
}
