using System.Formats.Tar;
using System.IO.Compression;

namespace DeployDirector.Releases;

/// <summary>
/// Writes a gzip'd tar whose bytes depend only on the entries given: GNU headers with all times 0,
/// owner 0:0 without names, mode 0755 or 0644, no directory entries. The caller adds entries in a
/// fixed order. Same entries, same bytes, in any process: hashes of archives can be compared. GNU
/// rather than PAX because .NET names each PAX extended header after the writing process's id;
/// GNU's long-name entries (<c>././@LongLink</c>) carry nothing of the process.
/// </summary>
internal sealed class DeterministicTarWriter : IDisposable
{
    private const UnixFileMode Plain = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Plain | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly GZipStream _gzip;
    private readonly TarWriter _tar;

    public DeterministicTarWriter(Stream output)
    {
        _gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        _tar = new TarWriter(_gzip, TarEntryFormat.Gnu, leaveOpen: true);
    }

    public void Add(string path, Stream content, bool executable)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, path)
        {
            ModificationTime = DateTimeOffset.UnixEpoch,
            AccessTime = DateTimeOffset.UnixEpoch,
            ChangeTime = DateTimeOffset.UnixEpoch,
            Mode = executable ? Executable : Plain,
            Uid = 0,
            Gid = 0,
            UserName = "",
            GroupName = "",
            DataStream = content,
        };
        _tar.WriteEntry(entry);
    }

    public void Add(string path, byte[] content, bool executable)
    {
        using var stream = new MemoryStream(content, writable: false);
        Add(path, stream, executable);
    }

    public void Dispose()
    {
        _tar.Dispose();
        _gzip.Dispose();
    }
}
