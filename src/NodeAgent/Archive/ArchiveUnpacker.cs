using System.Formats.Tar;
using System.IO.Compression;

namespace NodeAgent.Archive;

/// <summary>
/// Unpacks a gzip'd tar into an empty directory, refusing anything that could escape it or exhaust
/// the node: absolute paths, <c>..</c>, links and devices, too many entries, too many bytes.
/// </summary>
internal static class ArchiveUnpacker
{
    public static ArchiveOutcome? Unpack(Stream gzippedTar, string directory, ArchiveLimits limits)
    {
        Directory.CreateDirectory(directory);
        long bytes = 0;
        var entries = 0;
        try
        {
            using var gzip = new GZipStream(gzippedTar, CompressionMode.Decompress, leaveOpen: true);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (++entries > limits.MaxEntries)
                {
                    return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"more than {limits.MaxEntries} entries");
                }

                if (!TryRelativePath(entry.Name, out var relative))
                {
                    return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"unsafe path '{entry.Name}'");
                }

                var target = Path.Combine(directory, relative);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(target);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        bytes += entry.Length;
                        if (bytes > limits.MaxBytes)
                        {
                            return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"more than {limits.MaxBytes} bytes");
                        }

                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                        {
                            entry.DataStream?.CopyTo(file);
                        }

                        break;
                    default:
                        return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"'{entry.Name}' is a {entry.EntryType}, not a file or directory");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"unreadable archive: {e.Message}");
        }

        return null;
    }

    /// <summary>A tar name as a path below the archive root: no root, no drive, no <c>..</c>, no empty name.</summary>
    public static bool TryRelativePath(string name, out string relative)
    {
        relative = "";
        if (name.Length == 0 || name[0] == '/' || name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                return false;
            }

            parts.Add(part);
        }

        // A name of only "." steps is the archive's root itself ("" below it).
        relative = string.Join('/', parts);
        return true;
    }
}
