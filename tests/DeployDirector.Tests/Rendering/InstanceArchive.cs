using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DeployDirector.Contracts;

namespace DeployDirector.Tests.Rendering;

/// <summary>A rendered archive unpacked in memory, the way the agent reads it.</summary>
public sealed record InstanceArchive(IReadOnlyList<string> Order, IReadOnlyDictionary<string, (byte[] Content, UnixFileMode Mode)> Files)
{
    public static InstanceArchive Open(byte[] archive)
    {
        var order = new List<string>();
        var files = new Dictionary<string, (byte[], UnixFileMode)>();
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            order.Add(entry.Name);
            files.Add(entry.Name, (content.ToArray(), entry.Mode));
        }
        return new InstanceArchive(order, files);
    }

    public InstanceSpec Spec => JsonSerializer.Deserialize(Files["instance.json"].Content, AgentJson.Default.InstanceSpec)!;

    public string Text(string path) => Encoding.UTF8.GetString(Files[path].Content);
}
