using System.Buffers;
using Microsoft.Win32.SafeHandles;
using UnionBlock.Abstractions;
using UnionBlock.Native;

namespace UnionBlock.Devices;

/// <summary>
/// A plain raw file as a device: positional reads and writes, zeroing by punching holes, extents
/// from the file system's own hole map. It is the "raw file" rung of the benchmark ceiling ladder
/// and a second reference for the contract suite.
/// </summary>
public sealed class FileBlockDevice : IBlockDevice
{
    private readonly SafeFileHandle _file;
    private readonly byte[] _zeros = new byte[1 << 20];

    private FileBlockDevice(SafeFileHandle file, long size)
    {
        _file = file;
        Size = size;
    }

    public static FileBlockDevice Create(string path, long size)
    {
        SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        RandomAccess.SetLength(file, size);
        return new FileBlockDevice(file, size);
    }

    public long Size { get; }

    public DeviceCapabilities Capabilities =>
        DeviceCapabilities.Write | DeviceCapabilities.Flush | DeviceCapabilities.Fua | DeviceCapabilities.Trim
        | DeviceCapabilities.WriteZeroes | DeviceCapabilities.Extents | DeviceCapabilities.MultiConnConsistent | DeviceCapabilities.Cache;

    public BlockGeometry Geometry => BlockGeometry.Default;

    public BlockError Read(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_file, destination, offset);
            if (read <= 0)
            {
                return BlockError.Io;
            }
            destination = destination[read..];
            offset += read;
        }
        return BlockError.None;
    }

    public BlockError Write(long offset, in ReadOnlySequence<byte> data)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            RandomAccess.Write(_file, segment.Span, offset);
            offset += segment.Length;
        }
        return BlockError.None;
    }

    public BlockError WriteZeroes(long offset, long length, ZeroFlags flags)
    {
        if ((flags & ZeroFlags.NoHole) == 0 && LibC.PunchHole(_file, offset, length))
        {
            return BlockError.None;
        }
        if ((flags & ZeroFlags.FastOnly) != 0)
        {
            return BlockError.NotSupported;
        }
        for (long done = 0; done < length; done += _zeros.Length)
        {
            RandomAccess.Write(_file, _zeros.AsSpan(0, (int)Math.Min(_zeros.Length, length - done)), offset + done);
        }
        return BlockError.None;
    }

    public BlockError Trim(long offset, long length) => WriteZeroes(offset, length, ZeroFlags.None);

    public ValueTask<BlockError> FlushAsync(CancellationToken cancellationToken = default)
    {
        LibC.DataSync(_file);
        return new(BlockError.None);
    }

    public BlockError GetExtents(long offset, long length, List<Extent> into)
    {
        long end = offset + length;
        long position = offset;
        while (position < end)
        {
            long data = LibC.NextData(_file, position);
            if (data < 0 || data >= end)
            {
                ExtentList.Append(into, new Extent(position, end - position, true, true, 0));
                break;
            }
            if (data > position)
            {
                ExtentList.Append(into, new Extent(position, data - position, true, true, 0));
            }
            long hole = LibC.NextHole(_file, data);
            long dataEnd = hole < 0 ? end : Math.Min(end, hole);
            ExtentList.Append(into, new Extent(data, dataEnd - data, false, false, 1));
            position = dataEnd;
        }
        return BlockError.None;
    }

    public void Dispose() => _file.Dispose();
}
