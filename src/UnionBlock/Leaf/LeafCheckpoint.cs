using System.Buffers.Binary;
using UnionBlock.Checksums;

namespace UnionBlock.Leaf;

/// <summary>
/// A saved index, so opening a leaf replays only the log written after it. Layout (little-endian):
/// 0 magic u64, 8 version u16, 16 generation u64, 24 replay-from offset u64, 32 next sequence u64,
/// 40 entry count u64, 48 device blocks u64, 60 CRC-32C u32 over bytes 0..60 and every entry;
/// then entries of (block u64, entry u64). Entries may already reflect records at or after the
/// replay offset: replaying those again in log order yields the same index.
/// </summary>
internal sealed record LeafCheckpoint(long Generation, long ReplayFrom, ulong NextSequence, long DeviceBlocks, (long Block, long Entry)[] Entries)
{
    public const string FileName = "index.ubck";
    private const ulong Magic = 0x4B434641454C4255; // "UBLEAFCK"
    private const ushort Version = 1;
    private const int HeaderSize = 64;

    public void Save(string directory)
    {
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        byte[] buffer = new byte[HeaderSize + Entries.Length * 16];
        Span<byte> span = buffer;
        BinaryPrimitives.WriteUInt64LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], Generation);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], ReplayFrom);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], NextSequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[40..], Entries.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[48..], DeviceBlocks);
        for (int i = 0; i < Entries.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[(HeaderSize + i * 16)..], Entries[i].Block);
            BinaryPrimitives.WriteInt64LittleEndian(span[(HeaderSize + i * 16 + 8)..], Entries[i].Entry);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[60..], Checksum(span));
        DurableFile.WriteAtomically(temporary, path, buffer);
    }

    /// <summary>Loads the checkpoint, or null when there is none or it cannot be trusted (it is only
    /// an optimization: the log alone rebuilds the index).</summary>
    public static LeafCheckpoint? TryLoad(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        byte[] buffer = File.ReadAllBytes(path);
        ReadOnlySpan<byte> span = buffer;
        if (buffer.Length < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(span) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(span[8..]) != Version)
        {
            return null;
        }
        long count = BinaryPrimitives.ReadInt64LittleEndian(span[40..]);
        if (count < 0 || buffer.Length != HeaderSize + count * 16 || BinaryPrimitives.ReadUInt32LittleEndian(span[60..]) != Checksum(span))
        {
            return null;
        }
        var entries = new (long, long)[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = (BinaryPrimitives.ReadInt64LittleEndian(span[(HeaderSize + i * 16)..]),
                BinaryPrimitives.ReadInt64LittleEndian(span[(HeaderSize + i * 16 + 8)..]));
        }
        return new LeafCheckpoint(
            BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[48..]),
            entries);
    }

    private static uint Checksum(ReadOnlySpan<byte> buffer) =>
        Crc32C.ComputeAround(buffer, 60, HeaderSize);
}
