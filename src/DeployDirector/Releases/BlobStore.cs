using System.Security.Cryptography;

namespace DeployDirector.Releases;

/// <summary>
/// Content-addressed files under a folder: <c>sha256/ab/abcd…</c>. A blob is written to a temporary
/// file, synced, then renamed into place, so a blob under its name is always complete; writing the
/// same content twice keeps the first copy. Hashes are checked for shape before they touch a path.
/// </summary>
public sealed class BlobStore : IBlobSource
{
    private readonly string _root;
    private readonly string _temporary;

    public BlobStore(string directory)
    {
        _root = Path.Combine(directory, "sha256");
        _temporary = Path.Combine(directory, "tmp");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_temporary);
    }

    /// <summary>Stores <paramref name="content"/> (read to its end) and returns its SHA-256.</summary>
    public string Put(Stream content) => Put(content, out _);

    /// <param name="added">False when the store already had this content.</param>
    public string Put(Stream content, out bool added)
    {
        string temporary = Path.Combine(_temporary, Guid.NewGuid().ToString("N"));
        try
        {
            string sha;
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                byte[] buffer = new byte[81920];
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer.AsSpan(0, read));
                    file.Write(buffer.AsSpan(0, read));
                }
                file.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            string final = PathOf(sha);
            added = !File.Exists(final);
            if (added)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                try
                {
                    File.Move(temporary, final, overwrite: false);
                }
                catch (IOException) when (File.Exists(final))
                {
                    added = false;
                }
            }
            return sha;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Stream Open(string sha256)
    {
        string path = PathOf(sha256);
        return File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete)
            : throw new FileNotFoundException($"no blob {sha256}", path);
    }

    public bool Exists(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>The blob's size in bytes, or null when there is none.</summary>
    public long? Size(string sha256)
    {
        var info = new FileInfo(PathOf(sha256));
        return info.Exists ? info.Length : null;
    }

    /// <returns>False when there was no such blob.</returns>
    public bool Delete(string sha256)
    {
        string path = PathOf(sha256);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    private string PathOf(string sha256) =>
        ReleaseNames.IsSha256(sha256)
            ? Path.Combine(_root, sha256[..2], sha256)
            : throw new ArgumentException($"'{sha256}' is not a lower-case hex SHA-256", nameof(sha256));
}
