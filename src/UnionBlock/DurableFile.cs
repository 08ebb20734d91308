using UnionBlock.Native;

namespace UnionBlock;

/// <summary>Crash-safe small-file replacement: write a temporary file, sync it, rename over, sync the folder.</summary>
public static class DurableFile
{
    public static void WriteAtomically(string temporaryPath, string path, ReadOnlySpan<byte> content)
    {
        using (var handle = File.OpenHandle(temporaryPath, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, content, 0);
            LibC.DataSync(handle);
        }
        File.Move(temporaryPath, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Makes a rename or a file creation in <paramref name="directory"/> durable.</summary>
    public static void SyncDirectory(string directory) => LibC.SyncDirectory(directory);

    /// <summary>Makes a file's data durable (fdatasync).</summary>
    public static void DataSync(Microsoft.Win32.SafeHandles.SafeFileHandle file) => LibC.DataSync(file);
}
