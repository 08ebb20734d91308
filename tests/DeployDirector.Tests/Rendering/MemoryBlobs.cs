using System.Security.Cryptography;
using DeployDirector.Releases;

namespace DeployDirector.Tests.Rendering;

/// <summary>Blobs in a dictionary, for requests that need no release on disk.</summary>
public sealed class MemoryBlobs : IBlobSource
{
    private readonly Dictionary<string, byte[]> _blobs = [];

    public string Add(byte[] content)
    {
        string sha = Convert.ToHexStringLower(SHA256.HashData(content));
        _blobs[sha] = content;
        return sha;
    }

    /// <summary>Replaces a blob's bytes while keeping its name, as disk damage would.</summary>
    public void Corrupt(string sha) => _blobs[sha] = [.. _blobs[sha], 0];

    public Stream Open(string sha256) =>
        _blobs.TryGetValue(sha256, out byte[]? content) ? new MemoryStream(content, writable: false) : throw new FileNotFoundException(sha256);
}
