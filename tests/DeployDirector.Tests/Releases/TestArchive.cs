using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace DeployDirector.Tests.Releases;

/// <summary>Hand-made gzip'd tars, for archives no builder would make (links, traversal, bad hashes).</summary>
public sealed class TestArchive
{
    private readonly List<TarEntry> _entries = [];

    /// <summary>Every file of an existing archive, in its order.</summary>
    public static TestArchive From(byte[] archive)
    {
        var copy = new TestArchive();
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry(copyData: true) is { } entry)
        {
            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            copy.File(entry.Name, content.ToArray());
        }
        return copy;
    }

    public IEnumerable<string> Paths => _entries.Select(e => e.Name);

    public TestArchive File(string path, string text) => File(path, Encoding.UTF8.GetBytes(text));

    public TestArchive File(string path, byte[] content)
    {
        Remove(path);
        _entries.Add(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content) });
        return this;
    }

    public TestArchive Special(string path, TarEntryType type, string? linkTarget = null)
    {
        var entry = new PaxTarEntry(type, path);
        if (linkTarget is not null)
        {
            entry.LinkName = linkTarget;
        }
        _entries.Add(entry);
        return this;
    }

    public TestArchive Remove(string path)
    {
        _entries.RemoveAll(e => e.Name == path);
        return this;
    }

    public string Text(string path)
    {
        var stream = (MemoryStream)_entries.Single(e => e.Name == path).DataStream!;
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public MemoryStream ToStream()
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (TarEntry entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                tar.WriteEntry(entry);
            }
        }
        output.Position = 0;
        return output;
    }
}
