using System.Buffers.Binary;
using System.Security.Cryptography;
using UnionBlock;
using ImageTree.Operations;
using UnionBlock.Union;

namespace ImageTree.Streams;

/// <summary>
/// A SHA-256 that names a disk's contents whatever stores them: the size, then every block that holds
/// a non-zero byte as (block number, 4096 bytes), in ascending order. All-zero blocks and holes add
/// nothing, so the cost follows the data, not the disk's size, and a sparse disk and a dense copy of it
/// get the same digest.
/// </summary>
internal sealed class DiskDigest : IDisposable
{
    private const int ReadBytes = StreamFormat.MaxRecordBlocks * Blocks.Size;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _nextBlock;

    public DiskDigest(long size)
    {
        Span<byte> start = stackalloc byte[16];
        "UBD-DISK"u8.CopyTo(start);
        BinaryPrimitives.WriteInt64LittleEndian(start[8..], size);
        _hash.AppendData(start);
    }

    /// <summary>Adds one block (a whole, zero-padded block); blocks must come in ascending order.</summary>
    public void Add(long block, ReadOnlySpan<byte> contents)
    {
        if (block < _nextBlock)
        {
            throw new InvalidOperationException($"block {block} after {_nextBlock - 1}: a digest takes blocks in ascending order");
        }
        _nextBlock = block + 1;
        if (!contents.ContainsAnyExcept((byte)0))
        {
            return;
        }
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(number, block);
        _hash.AppendData(number);
        _hash.AppendData(contents);
    }

    /// <summary>Adds what <paramref name="device"/> shows in blocks [first, end), reading only its data extents.</summary>
    public void AddFrom(UnionDevice device, long first, long end, byte[] buffer, CancellationToken cancellationToken) =>
        ForEachBlock(device, first, end, buffer, cancellationToken, Add);

    /// <summary>Calls <paramref name="visit"/> for every block in [first, end) of the device that lies
    /// in a data extent (whole, zero-padded blocks; the span is reused after it returns);
    /// <paramref name="passed"/> hears the bytes of the disk passed so far.</summary>
    public static void ForEachBlock(UnionDevice device, long first, long end, byte[] buffer, CancellationToken cancellationToken, BlockVisitor visit, Action<long>? passed = null) =>
        DataExtents.ForEachChunk(device, first << Blocks.Shift, end << Blocks.Shift, buffer, cancellationToken, (offset, length) =>
        {
            for (int at = 0; at < length; at += Blocks.Size)
            {
                visit((offset + at) >> Blocks.Shift, buffer.AsSpan(at, Blocks.Size));
            }
        }, passed);

    public delegate void BlockVisitor(long block, ReadOnlySpan<byte> contents);

    public static string Hex(byte[] digest) => Convert.ToHexStringLower(digest);

    /// <summary>The digest of the whole disk <paramref name="device"/> shows.</summary>
    public static byte[] Of(UnionDevice device, CancellationToken cancellationToken)
    {
        using var digest = new DiskDigest(device.Size);
        digest.AddFrom(device, 0, Blocks.Count(device.Size), new byte[ReadBytes], cancellationToken);
        return digest.Finish();
    }

    public byte[] Finish() => _hash.GetHashAndReset();

    public void Dispose() => _hash.Dispose();

}
