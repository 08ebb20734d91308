using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DeployDirector.Contracts;

namespace NodeAgent.Tests.Fakes;

/// <summary>Builds instance archives as the director would: a .tgz with instance.json listing every file's SHA-256.</summary>
public sealed class ArchiveBuilder(InstanceRef instance, string lifecycle = Lifecycle.Service)
{
    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly List<string> _jobs = [];

    /// <summary>Adds a job with its bin/ scripts (name → shell body).</summary>
    public ArchiveBuilder Job(string name, params (string Script, string Body)[] scripts)
    {
        _jobs.Add(name);
        foreach (var (script, body) in scripts)
        {
            _files[$"jobs/{name}/bin/{script}"] = Encoding.UTF8.GetBytes("#!/bin/sh\n" + body + "\n");
        }

        return this;
    }

    public ArchiveBuilder File(string path, string contents)
    {
        _files[path] = Encoding.UTF8.GetBytes(contents);
        return this;
    }

    public InstanceSpec Spec() => new()
    {
        Instance = instance,
        Lifecycle = lifecycle,
        Address = "10.0.0.1",
        Jobs = _jobs,
        Files = [.. _files.Select(file => new ArchiveFile(file.Key, Convert.ToHexStringLower(SHA256.HashData(file.Value)), file.Key.Contains("/bin/", StringComparison.Ordinal)))],
    };

    /// <param name="spec">instance.json to write (default: <see cref="Spec"/>).</param>
    /// <param name="extra">More entries written after the listed files (unlisted files, links, hostile names).</param>
    public byte[] Build(InstanceSpec? spec = null, Action<TarWriter>? extra = null)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            Write(tar, "instance.json", JsonSerializer.SerializeToUtf8Bytes(spec ?? Spec(), AgentJson.Default.InstanceSpec));
            foreach (var (path, contents) in _files)
            {
                Write(tar, path, contents);
            }

            extra?.Invoke(tar);
        }

        return output.ToArray();
    }

    public static void Write(TarWriter tar, string name, byte[] contents)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(contents), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        tar.WriteEntry(entry);
    }
}
