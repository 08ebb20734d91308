using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace DeployDirector.Patching;

/// <summary>
/// What a patch archive holds, checked before any worker starts: a gzip'd tar with <c>patch.sh</c> at
/// its top and, optionally, the files the script uses under <c>files/</c>; regular files and
/// directories only. Its hashes are the patch's provenance.
/// </summary>
/// <param name="ScriptSha256">SHA-256 of patch.sh.</param>
/// <param name="Files">The files under files/ (paths relative to it), in archive order.</param>
/// <param name="FilesSha256">SHA-256 over every file's path and SHA-256, in path order (empty files/ too).</param>
public sealed record PatchArchive(string ScriptSha256, IReadOnlyList<string> Files, long FilesBytes, string FilesSha256)
{
    public const int MaxEntries = 20_000;

    /// <summary>Reads the archive through once; a bad archive is refused with what is wrong.</summary>
    public static PatchArchive Read(Stream archive, long maxBytes)
    {
        if (archive.Length > maxBytes)
        {
            throw Invalid($"the patch archive is {archive.Length} bytes; at most {maxBytes} are accepted");
        }
        string? script = null;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        long bytes = 0;
        try
        {
            using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
            using var reader = new TarReader(gzip);
            int entries = 0;
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (++entries > MaxEntries)
                {
                    throw Invalid($"the patch archive has more than {MaxEntries} entries");
                }
                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name.StartsWith('/') || name.Split('/').Contains(".."))
                {
                    throw Invalid($"unsafe path '{entry.Name}' in the patch archive");
                }
                if (entry.EntryType == TarEntryType.Directory)
                {
                    continue;
                }
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    throw Invalid($"'{entry.Name}' is a {entry.EntryType}; a patch archive holds regular files and directories only");
                }
                string sha = entry.DataStream is { } data ? Convert.ToHexStringLower(SHA256.HashData(data)) : Convert.ToHexStringLower(SHA256.HashData([]));
                if (name == "patch.sh")
                {
                    script = sha;
                }
                else if (name.StartsWith("files/", StringComparison.Ordinal))
                {
                    files[name["files/".Length..]] = sha;
                    order.Add(name["files/".Length..]);
                    bytes += entry.Length;
                }
                else
                {
                    throw Invalid($"'{entry.Name}' is neither patch.sh nor under files/");
                }
            }
        }
        catch (InvalidDataException bad)
        {
            throw Invalid($"the patch archive is not a gzip'd tar: {bad.Message}");
        }
        string filesSha = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Concat(files.Select(f => $"{f.Value}  {f.Key}\n")))));
        return new PatchArchive(script ?? throw Invalid("the patch archive has no patch.sh at its top"), order, bytes, filesSha);
    }

    private static DirectorException Invalid(string message) => new(DirectorError.Invalid, message);
}
