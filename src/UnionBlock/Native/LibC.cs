using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace UnionBlock.Native;

/// <summary>The few POSIX calls .NET does not expose: data-only sync, hole seeking and hole punching.</summary>
internal static partial class LibC
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int FallocPunchHole = 0x02;
    private const int FallocKeepSize = 0x01;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Syncs a directory, which makes the creations and renames inside it durable.
    /// (.NET refuses to open a directory as a file handle, hence the raw descriptor.)</summary>
    public static void SyncDirectory(string path)
    {
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        int fd = open(path, ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>Flushes file data (and the size, which reading it back needs) to stable storage.</summary>
    public static void DataSync(SafeFileHandle handle)
    {
        if (fdatasync(handle) != 0)
        {
            throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The next offset at or after <paramref name="offset"/> that holds data, or -1 when none does.</summary>
    public static long NextData(SafeFileHandle handle, long offset)
    {
        long result = lseek(handle, offset, SeekData);
        return result < 0 ? -1 : result;
    }

    /// <summary>The next hole at or after <paramref name="offset"/> (the end of file counts as one).</summary>
    public static long NextHole(SafeFileHandle handle, long offset)
    {
        long result = lseek(handle, offset, SeekHole);
        return result < 0 ? -1 : result;
    }

    /// <summary>Releases the storage of a range, keeping the file size. Returns false where the file system cannot.</summary>
    public static bool PunchHole(SafeFileHandle handle, long offset, long length) =>
        fallocate(handle, FallocPunchHole | FallocKeepSize, offset, length) == 0;

    /// <summary>Bytes of a file that hold data (holes of a sparse file excluded), found by walking
    /// SEEK_DATA/SEEK_HOLE: what deleting the file gives back, to within the filesystem's block.</summary>
    public static long AllocatedBytes(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path);
        long size = RandomAccess.GetLength(handle);
        long total = 0;
        long position = 0;
        while (position < size)
        {
            long data = NextData(handle, position);
            if (data < 0 || data >= size)
            {
                break;
            }
            long hole = NextHole(handle, data);
            hole = hole < 0 ? size : Math.Min(hole, size);
            total += hole - data;
            position = hole;
        }
        return total;
    }
}
