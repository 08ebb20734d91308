using System.Buffers.Binary;
using UnionBlock.Checksums;

namespace UnionBlock.Root;

/// <summary>
/// One bit per block of the root: set where the block holds non-zero data. Blocks with the bit
/// clear are holes, read as zeros without touching the image and reported as holes to clients.
/// File layout: 0 magic u64, 8 version u16, 16 block count u64, 24 CRC-32C u32 over bytes 0..24 and
/// the words; 32 the words (u64, little-endian).
/// </summary>
internal sealed class AllocationBitmap
{
    public const string FileName = "root.alloc";
    private const ulong Magic = 0x434F4C4C41425500; // "\0UBALLOC"
    private const ushort Version = 1;
    private const int HeaderSize = 32;
    private readonly ulong[] _words;

    public AllocationBitmap(long blockCount)
    {
        BlockCount = blockCount;
        _words = new ulong[(blockCount + 63) / 64];
    }

    public long BlockCount { get; }

    public bool IsSet(long block) => (_words[block >> 6] & (1UL << (int)(block & 63))) != 0;

    public void Set(long block) => _words[block >> 6] |= 1UL << (int)(block & 63);

    public long CountSet()
    {
        long count = 0;
        foreach (ulong word in _words)
        {
            count += System.Numerics.BitOperations.PopCount(word);
        }
        return count;
    }

    public void Save(string directory)
    {
        byte[] buffer = new byte[HeaderSize + _words.Length * 8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(8), Version);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(16), BlockCount);
        for (int i = 0; i < _words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(HeaderSize + i * 8), _words[i]);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(24), Checksum(buffer));
        string path = Path.Combine(directory, FileName);
        DurableFile.WriteAtomically(path + ".tmp", path, buffer);
    }

    public static AllocationBitmap Load(string directory, long blockCount)
    {
        string path = Path.Combine(directory, FileName);
        byte[] buffer = File.ReadAllBytes(path);
        var bitmap = new AllocationBitmap(blockCount);
        if (buffer.Length != HeaderSize + bitmap._words.Length * 8
            || BinaryPrimitives.ReadUInt64LittleEndian(buffer) != Magic
            || BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(8)) != Version
            || BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(16)) != blockCount
            || BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)) != Checksum(buffer))
        {
            throw new CorruptLayerException(path, "root allocation map is damaged");
        }
        for (int i = 0; i < bitmap._words.Length; i++)
        {
            bitmap._words[i] = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(HeaderSize + i * 8));
        }
        return bitmap;
    }

    private static uint Checksum(ReadOnlySpan<byte> buffer) =>
        Crc32C.ComputeAround(buffer, 24, HeaderSize);
}
