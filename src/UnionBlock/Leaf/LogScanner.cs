using System.Buffers;
using Microsoft.Win32.SafeHandles;
using UnionBlock.Checksums;

namespace UnionBlock.Leaf;

/// <summary>
/// Reads a leaf log sequentially through a large window and yields every record whose header and
/// checksum are intact. It stops at the first record that is torn, truncated or corrupt: the log is
/// written in order, so nothing valid can follow a record that was never completed.
/// </summary>
internal sealed class LogScanner : IDisposable
{
    private const int WindowSize = 4 << 20;
    private readonly SafeFileHandle _handle;
    private readonly long _fileLength;
    private readonly long _deviceBlocks;
    private byte[] _window = ArrayPool<byte>.Shared.Rent(WindowSize);
    private long _windowStart;
    private int _windowLength;

    public LogScanner(SafeFileHandle handle, long deviceBlocks)
    {
        _handle = handle;
        _fileLength = RandomAccess.GetLength(handle);
        _deviceBlocks = deviceBlocks;
    }

    /// <summary>A record found by the scan; <see cref="Payload"/> is valid until the next call.</summary>
    public readonly ref struct Record(LogRecordHeader header, long offset, ReadOnlySpan<byte> payload)
    {
        public LogRecordHeader Header { get; } = header;

        public long Offset { get; } = offset;

        public long DataOffset => Offset + LogRecordHeader.Size;

        public ReadOnlySpan<byte> Payload { get; } = payload;
    }

    /// <summary>Reads the record at <paramref name="offset"/>; false at the end of the valid log.</summary>
    public bool TryReadAt(long offset, out Record record)
    {
        record = default;
        if (offset + LogRecordHeader.Size > _fileLength)
        {
            return false;
        }
        ReadOnlySpan<byte> headerBytes = Window(offset, LogRecordHeader.Size);
        if (!LogRecordHeader.TryRead(headerBytes, _deviceBlocks, out LogRecordHeader header)
            || offset + header.RecordLength > _fileLength)
        {
            return false;
        }
        // One window over the whole record, so header and payload are read from the same buffer.
        ReadOnlySpan<byte> whole = Window(offset, (int)header.RecordLength);
        headerBytes = whole[..LogRecordHeader.Size];
        ReadOnlySpan<byte> payload = whole[LogRecordHeader.Size..];
        if (!LogRecordHeader.ChecksumMatches(headerBytes, Crc32C.Append(Crc32C.Start, payload)))
        {
            return false;
        }
        record = new Record(header, offset, payload);
        return true;
    }

    private ReadOnlySpan<byte> Window(long offset, int length)
    {
        if (offset >= _windowStart && offset + length <= _windowStart + _windowLength)
        {
            return _window.AsSpan((int)(offset - _windowStart), length);
        }
        if (length > _window.Length)
        {
            ArrayPool<byte>.Shared.Return(_window);
            _window = ArrayPool<byte>.Shared.Rent(length);
        }
        _windowStart = offset;
        _windowLength = RandomAccess.Read(_handle, _window.AsSpan(0, (int)Math.Min(_window.Length, _fileLength - offset)), offset);
        return _window.AsSpan(0, Math.Min(length, _windowLength));
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_window);
        _window = [];
    }
}
