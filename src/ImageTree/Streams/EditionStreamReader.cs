using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using K4os.Compression.LZ4;
using UnionBlock;
using UnionBlock.Checksums;

namespace ImageTree.Streams;

/// <summary>One record as read: data blocks (decompressed, whole blocks) or a run of zero blocks.
/// <see cref="Data"/> is reused by the next read.</summary>
internal readonly record struct StreamRecord(StreamRecordKind Kind, long FirstBlock, int BlockCount, ReadOnlyMemory<byte> Data)
{
    public long EndBlock => FirstBlock + BlockCount;
}

/// <summary>
/// Reads an edition stream and trusts nothing in it: every length is bounded before it is used,
/// every record's CRC is checked before its payload is decompressed, records must ascend and stay
/// inside the disk, and the end record's stream digest and counts must match what was read.
/// Any failure is a <see cref="DamagedStreamException"/>.
/// </summary>
internal sealed class EditionStreamReader
{
    private readonly Stream _input;
    private readonly string _path;
    private readonly IncrementalHash _streamHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _header = new byte[StreamFormat.RecordHeaderSize];
    private readonly byte[] _stored = new byte[StreamFormat.MaxStoredBytes];
    private readonly byte[] _blocks = new byte[StreamFormat.MaxRecordBlocks * Blocks.Size];
    private readonly long _diskBlocks;
    private long _nextBlock;
    private long _dataBlocks;
    private long _zeroBlocks;

    public EditionStreamReader(Stream input, string path)
    {
        _input = input;
        _path = path;
        Header = ReadHeader();
        _diskBlocks = Blocks.Count(Header.Size);
    }

    public StreamHeader Header { get; }

    public string Path => _path;

    /// <summary>The disk digest the end record names (set once <see cref="Next"/> returned false).</summary>
    public byte[]? DiskDigest { get; private set; }

    /// <summary>Reads the next record; false once the end record has been read and checked.</summary>
    public bool Next(out StreamRecord record)
    {
        if (!ReadExactly(_header, allowEnd: true))
        {
            throw Damaged("the stream ends before its end record (a truncated copy?)");
        }
        StreamRecordHeader header = StreamRecordHeader.ReadFrom(_header);
        if (header.StoredBytes < 0 || header.StoredBytes > _stored.Length)
        {
            throw Damaged($"a record claims {header.StoredBytes} stored bytes, more than a record can hold");
        }
        Span<byte> stored = _stored.AsSpan(0, header.StoredBytes);
        if (!ReadExactly(stored, allowEnd: false))
        {
            throw Damaged("the stream ends inside a record (a truncated copy?)");
        }
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(20));
        if (Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, _header.AsSpan(0, 20)), stored)) != expected)
        {
            throw Damaged($"the record at block {header.FirstBlock} fails its checksum");
        }
        if (header.Kind == StreamRecordKind.End)
        {
            FinishEnd(stored);
            record = default;
            return false;
        }
        _streamHash.AppendData(_header);
        _streamHash.AppendData(stored);
        record = header.Kind switch
        {
            StreamRecordKind.Data => ReadData(header, stored),
            StreamRecordKind.Zero => ReadZero(header),
            _ => throw Damaged($"unknown record kind {(byte)header.Kind}"),
        };
        return true;
    }

    private StreamRecord ReadData(StreamRecordHeader header, ReadOnlySpan<byte> stored)
    {
        CheckRange(header, StreamFormat.MaxRecordBlocks);
        int bytes = header.BlockCount * Blocks.Size;
        switch (header.Codec)
        {
            case StreamCodec.None when stored.Length == bytes:
                stored.CopyTo(_blocks);
                break;
            case StreamCodec.Lz4 when LZ4Codec.Decode(stored, _blocks.AsSpan(0, bytes)) == bytes:
                break;
            default:
                throw Damaged($"the data record at block {header.FirstBlock} does not decode to {header.BlockCount} blocks");
        }
        _dataBlocks += header.BlockCount;
        return new StreamRecord(StreamRecordKind.Data, header.FirstBlock, header.BlockCount, _blocks.AsMemory(0, bytes));
    }

    private StreamRecord ReadZero(StreamRecordHeader header)
    {
        if (!Header.Incremental || header.StoredBytes != 0)
        {
            throw Damaged($"a zero record at block {header.FirstBlock} where none can be");
        }
        CheckRange(header, int.MaxValue);
        _zeroBlocks += header.BlockCount;
        return new StreamRecord(StreamRecordKind.Zero, header.FirstBlock, header.BlockCount, ReadOnlyMemory<byte>.Empty);
    }

    private void CheckRange(StreamRecordHeader header, int maxBlocks)
    {
        if (header.BlockCount < 1 || header.BlockCount > maxBlocks || header.FirstBlock < _nextBlock || header.EndBlock > _diskBlocks)
        {
            throw Damaged($"a record for blocks {header.FirstBlock}+{header.BlockCount} is out of order or outside the {_diskBlocks}-block disk");
        }
        _nextBlock = header.EndBlock;
    }

    private void FinishEnd(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != StreamFormat.EndPayloadSize)
        {
            throw Damaged("the end record has the wrong length");
        }
        if (!payload.Slice(32, 32).SequenceEqual(_streamHash.GetHashAndReset()))
        {
            throw Damaged("the stream's SHA-256 does not match its end record");
        }
        if (BinaryPrimitives.ReadInt64LittleEndian(payload[64..]) != _dataBlocks || BinaryPrimitives.ReadInt64LittleEndian(payload[72..]) != _zeroBlocks)
        {
            throw Damaged("the end record counts other blocks than the stream holds");
        }
        if (_input.ReadByte() >= 0)
        {
            throw Damaged("bytes follow the end record");
        }
        DiskDigest = payload[..32].ToArray();
    }

    private StreamHeader ReadHeader()
    {
        byte[] prefix = new byte[StreamFormat.Magic.Length + 8];
        if (!ReadExactly(prefix, allowEnd: true) || !prefix.AsSpan(0, 8).SequenceEqual(StreamFormat.Magic))
        {
            throw Damaged("not a UnionBlock edition stream (no UBDSTRM1 magic): make one with 'ubd image send'");
        }
        int length = BinaryPrimitives.ReadInt32LittleEndian(prefix.AsSpan(8));
        if (length <= 0 || length > StreamFormat.MaxHeaderBytes)
        {
            throw Damaged($"the header claims {length} bytes");
        }
        byte[] json = new byte[length];
        if (!ReadExactly(json, allowEnd: false) || Crc32C.Compute(json) != BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(12)))
        {
            throw Damaged("the header fails its checksum");
        }
        _streamHash.AppendData(prefix);
        _streamHash.AppendData(json);
        StreamHeader? header;
        try
        {
            header = StreamHeader.FromUtf8(json);
        }
        catch (JsonException exception)
        {
            throw Damaged($"the header is not valid JSON ({exception.Message})");
        }
        if (header is null || header.BlockSize != Blocks.Size || header.Size <= 0 || header.Size % 512 != 0
            || string.IsNullOrEmpty(header.Edition) || string.IsNullOrEmpty(header.Lineage)
            || (header.Incremental && (header.SinceDigest is not { Length: 64 } || header.SinceSize <= 0)))
        {
            throw Damaged("the header is incomplete (size, block size, edition, or the base of an incremental stream)");
        }
        return header;
    }

    /// <summary>False when the stream ends before the first byte and <paramref name="allowEnd"/>; a stream that ends part way is damaged.</summary>
    private bool ReadExactly(Span<byte> destination, bool allowEnd)
    {
        int read = _input.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        return read == destination.Length || (allowEnd && read == 0 ? false : throw Damaged("the stream ends inside a record (a truncated copy?)"));
    }

    private DamagedStreamException Damaged(string reason) => new(_path, reason);
}
