using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace DeployDirector.Releases;

/// <summary>
/// Reads a release's gzip'd tar entry by entry, streaming: limits are checked from the headers
/// before any data is read, every file is hashed, only the files the caller names as text are kept
/// in memory. Links, devices and unsafe paths are problems, not files.
/// </summary>
internal static class ReleaseTar
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<ArchiveEntry> Read(Stream archive, Func<string, bool> isText, List<ReleaseProblem> problems)
    {
        var entries = new List<ArchiveEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        long total = 0;
        try
        {
            using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
            using var tar = new TarReader(gzip, leaveOpen: true);
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                if (++count > ReleaseLimits.MaxEntries)
                {
                    problems.Add(new ReleaseProblem("(archive)", null, null, $"more than {ReleaseLimits.MaxEntries} entries"));
                    break;
                }
                total += entry.Length;
                if (total > ReleaseLimits.MaxTotalBytes)
                {
                    problems.Add(new ReleaseProblem("(archive)", null, null, $"more than {ReleaseLimits.MaxTotalBytes} bytes of content"));
                    break;
                }
                if (Accept(entry, seen, problems) is { } path)
                {
                    entries.Add(ReadFile(entry, path, isText(path), problems));
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            problems.Add(new ReleaseProblem("(archive)", null, null, $"not a valid gzip'd tar: {e.Message}"));
        }
        return entries;
    }

    /// <summary>The path of a regular file to read, or null for directories and refused entries.</summary>
    private static string? Accept(TarEntry entry, HashSet<string> seen, List<ReleaseProblem> problems)
    {
        if (entry.EntryType == TarEntryType.Directory && entry.Name is "." or "./")
        {
            // `tar -C DIR .` starts with the folder itself.
            return null;
        }
        string? path = ReleasePaths.Normalize(entry.Name, out string? refusal);
        if (path is null)
        {
            problems.Add(new ReleaseProblem(entry.Name, null, null, refusal!));
            return null;
        }
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                return null;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                if (!seen.Add(path))
                {
                    problems.Add(new ReleaseProblem(path, null, null, "appears twice in the archive"));
                    return null;
                }
                return path;
            default:
                problems.Add(new ReleaseProblem(path, null, null, $"{entry.EntryType} entries are not allowed (only regular files and folders)"));
                return null;
        }
    }

    private static ArchiveEntry ReadFile(TarEntry entry, string path, bool keepText, List<ReleaseProblem> problems)
    {
        bool executable = (entry.Mode & UnixFileMode.UserExecute) != 0;
        Stream data = entry.DataStream ?? Stream.Null;
        if (!keepText)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[81920];
            int read;
            while ((read = data.Read(buffer)) > 0)
            {
                hash.AppendData(buffer.AsSpan(0, read));
            }
            return new ArchiveEntry(path, Convert.ToHexStringLower(hash.GetHashAndReset()), entry.Length, executable, null);
        }
        if (entry.Length > ReleaseLimits.MaxTextFileBytes)
        {
            problems.Add(new ReleaseProblem(path, null, null, $"larger than {ReleaseLimits.MaxTextFileBytes} bytes"));
            return new ArchiveEntry(path, "", entry.Length, executable, null);
        }
        byte[] bytes = new byte[entry.Length];
        data.ReadExactly(bytes);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        try
        {
            return new ArchiveEntry(path, sha, entry.Length, executable, StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            problems.Add(new ReleaseProblem(path, null, null, "is not UTF-8 text"));
            return new ArchiveEntry(path, sha, entry.Length, executable, null);
        }
    }

    /// <summary>Hands every regular file of an archive already validated by
    /// <see cref="ReleaseArchive.Read"/> to <paramref name="visit"/>, in archive order.</summary>
    public static void ForEachFile(Stream archive, Action<string, Stream> visit)
    {
        using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        using var tar = new TarReader(gzip, leaveOpen: true);
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                && ReleasePaths.Normalize(entry.Name, out _) is { } path)
            {
                visit(path, entry.DataStream ?? Stream.Null);
            }
        }
    }
}
