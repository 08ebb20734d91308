using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace UnionBlock.Checksums;

/// <summary>CRC-32C (Castagnoli), hardware-accelerated through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Start, data));

    public static uint Compute(in ReadOnlySequence<byte> data)
    {
        uint crc = Start;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            crc = Append(crc, segment.Span);
        }
        return Finish(crc);
    }

    /// <summary>CRC of a file whose header holds its own checksum: the header up to the checksum field,
    /// then the body after the header (the field itself and any padding are left out).</summary>
    public static uint ComputeAround(ReadOnlySpan<byte> file, int checksumOffset, int headerSize) =>
        Finish(Append(Append(Start, file[..checksumOffset]), file[headerSize..]));

    public const uint Start = 0xFFFFFFFFu;

    public static uint Finish(uint crc) => ~crc;

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}
