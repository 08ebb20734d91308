using System.Security.Cryptography;
using K4os.Compression.LZ4;
using UnionBlock;
using UnionBlock.Checksums;

namespace ImageTree.Streams;

/// <summary>
/// Writes an edition stream: blocks given in ascending order become data records of up to 1 MiB
/// (LZ4 when that is smaller) and zero records; <see cref="Finish"/> writes the end record.
/// Everything written is hashed as it goes, so the end record can name the stream's own bytes.
/// </summary>
internal sealed class EditionStreamWriter
{
    private readonly Stream _output;
    private readonly IncrementalHash _streamHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _run = new byte[StreamFormat.MaxRecordBlocks * Blocks.Size];
    private readonly byte[] _compressed = new byte[StreamFormat.MaxStoredBytes];
    private readonly byte[] _header = new byte[StreamFormat.RecordHeaderSize];
    private long _runFirst = -1;
    private int _runBlocks;
    private long _zeroFirst = -1;
    private long _zeroBlocks;
    private long _nextBlock;

    public EditionStreamWriter(Stream output, StreamHeader header)
    {
        _output = output;
        byte[] json = header.ToUtf8();
        byte[] prefix = new byte[StreamFormat.Magic.Length + 8];
        StreamFormat.Magic.CopyTo(prefix);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(8), json.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(12), Crc32C.Compute(json));
        Emit(prefix);
        Emit(json);
    }

    public long DataBlocks { get; private set; }

    public long ZeroBlocks { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>Adds a block whose contents the receiver stores (a whole, zero-padded block).</summary>
    public void AddData(long block, ReadOnlySpan<byte> contents)
    {
        Advance(block);
        FlushZeros();
        if (_runFirst >= 0 && (block != _runFirst + _runBlocks || _runBlocks == StreamFormat.MaxRecordBlocks))
        {
            FlushData();
        }
        if (_runFirst < 0)
        {
            _runFirst = block;
        }
        contents.CopyTo(_run.AsSpan(_runBlocks * Blocks.Size, Blocks.Size));
        _runBlocks++;
        DataBlocks++;
    }

    /// <summary>Adds a block that reads as zeros in the edition though the base holds data there.</summary>
    public void AddZero(long block)
    {
        Advance(block);
        FlushData();
        if (_zeroFirst >= 0 && block != _zeroFirst + _zeroBlocks)
        {
            FlushZeros();
        }
        if (_zeroFirst < 0)
        {
            _zeroFirst = block;
        }
        _zeroBlocks++;
        ZeroBlocks++;
    }

    /// <summary>Writes the end record with the disk's digest; the stream is complete after this.</summary>
    public void Finish(byte[] diskDigest)
    {
        FlushData();
        FlushZeros();
        byte[] payload = new byte[StreamFormat.EndPayloadSize];
        diskDigest.CopyTo(payload, 0);
        _streamHash.GetHashAndReset().CopyTo(payload, 32);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(64), DataBlocks);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(72), ZeroBlocks);
        WriteRecord(new StreamRecordHeader(StreamRecordKind.End, StreamCodec.None, 0, 0, payload.Length), payload);
        _streamHash.Dispose();
    }

    private void Advance(long block)
    {
        if (block < _nextBlock)
        {
            throw new InvalidOperationException($"block {block} after {_nextBlock - 1}: a stream takes blocks in ascending order");
        }
        _nextBlock = block + 1;
    }

    private void FlushData()
    {
        if (_runFirst < 0)
        {
            return;
        }
        ReadOnlySpan<byte> raw = _run.AsSpan(0, _runBlocks * Blocks.Size);
        int packed = LZ4Codec.Encode(raw, _compressed, LZ4Level.L00_FAST);
        bool smaller = packed > 0 && packed < raw.Length;
        ReadOnlySpan<byte> stored = smaller ? _compressed.AsSpan(0, packed) : raw;
        WriteRecord(new StreamRecordHeader(StreamRecordKind.Data, smaller ? StreamCodec.Lz4 : StreamCodec.None, _runBlocks, _runFirst, stored.Length), stored);
        _runFirst = -1;
        _runBlocks = 0;
    }

    private void FlushZeros()
    {
        while (_zeroFirst >= 0 && _zeroBlocks > 0)
        {
            int count = (int)Math.Min(_zeroBlocks, int.MaxValue);
            WriteRecord(new StreamRecordHeader(StreamRecordKind.Zero, StreamCodec.None, count, _zeroFirst, 0), []);
            _zeroFirst += count;
            _zeroBlocks -= count;
        }
        _zeroFirst = -1;
        _zeroBlocks = 0;
    }

    private void WriteRecord(StreamRecordHeader header, ReadOnlySpan<byte> payload)
    {
        header.WriteTo(_header);
        uint crc = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, _header.AsSpan(0, 20)), payload));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(20), crc);
        if (header.Kind == StreamRecordKind.End)
        {
            _output.Write(_header);
            _output.Write(payload);
            BytesWritten += _header.Length + payload.Length;
            return;
        }
        Emit(_header);
        Emit(payload);
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _streamHash.AppendData(bytes);
        BytesWritten += bytes.Length;
    }
}
