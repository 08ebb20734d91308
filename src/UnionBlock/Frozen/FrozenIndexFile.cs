using System.Buffers.Binary;
using UnionBlock.Checksums;

namespace UnionBlock.Frozen;

/// <summary>
/// The sorted block index of a frozen layer. Layout (little-endian): 0 magic u64, 8 version u16,
/// 16 layer id (16 bytes), 32 entry count u64, 40 device blocks u64, 60 CRC-32C u32 over bytes 0..60
/// and the entries; then entries of (block u64, slot u32, block CRC-32C u32). The slot is the block's
/// index in the data file, or <see cref="ZeroSlot"/> for a block that reads as zeros.
/// </summary>
internal static class FrozenIndexFile
{
    public const string IndexFileName = "branch.idx";
    public const string DataFileName = "branch.dat";
    public const uint ZeroSlot = uint.MaxValue;
    private const ulong Magic = 0x48434E4152424255; // "UBBRANCH"
    private const ushort Version = 1;
    private const int HeaderSize = 64;
    private const int EntrySize = 16;

    public static void Write(string directory, Guid layerId, long deviceBlocks, IReadOnlyList<FrozenEntry> entries)
    {
        byte[] buffer = new byte[HeaderSize + entries.Count * EntrySize];
        Span<byte> span = buffer;
        BinaryPrimitives.WriteUInt64LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], Version);
        layerId.TryWriteBytes(span[16..32]);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], entries.Count);
        BinaryPrimitives.WriteInt64LittleEndian(span[40..], deviceBlocks);
        for (int i = 0; i < entries.Count; i++)
        {
            Span<byte> entry = span.Slice(HeaderSize + i * EntrySize, EntrySize);
            BinaryPrimitives.WriteInt64LittleEndian(entry, entries[i].Block);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], entries[i].Slot);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], entries[i].Crc);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[60..], Checksum(span));
        string path = Path.Combine(directory, IndexFileName);
        DurableFile.WriteAtomically(path + ".tmp", path, buffer);
    }

    public static FrozenEntry[] Read(string directory, Guid layerId, long deviceBlocks)
    {
        string path = Path.Combine(directory, IndexFileName);
        byte[] buffer = File.ReadAllBytes(path);
        ReadOnlySpan<byte> span = buffer;
        if (buffer.Length < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(span) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(span[8..]) != Version)
        {
            throw new CorruptLayerException(path, "not a UnionBlock branch index");
        }
        long count = BinaryPrimitives.ReadInt64LittleEndian(span[32..]);
        if (count < 0 || buffer.Length != HeaderSize + count * EntrySize || BinaryPrimitives.ReadUInt32LittleEndian(span[60..]) != Checksum(span))
        {
            throw new CorruptLayerException(path, "branch index checksum mismatch");
        }
        if (new Guid(span[16..32]) != layerId || BinaryPrimitives.ReadInt64LittleEndian(span[40..]) != deviceBlocks)
        {
            throw new LayerMismatchException(path, $"index belongs to layer {new Guid(span[16..32])}, expected {layerId}");
        }
        var entries = new FrozenEntry[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = span.Slice(HeaderSize + i * EntrySize, EntrySize);
            entries[i] = new FrozenEntry(
                BinaryPrimitives.ReadInt64LittleEndian(entry),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]));
        }
        return entries;
    }

    private static uint Checksum(ReadOnlySpan<byte> buffer) =>
        Crc32C.ComputeAround(buffer, 60, HeaderSize);
}

/// <summary>One block of a frozen layer: where its data is (or that it is zero) and its checksum.</summary>
internal readonly record struct FrozenEntry(long Block, uint Slot, uint Crc)
{
    public bool IsZero => Slot == FrozenIndexFile.ZeroSlot;
}
