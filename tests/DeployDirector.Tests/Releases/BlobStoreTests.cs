using System.Security.Cryptography;
using DeployDirector.Releases;

namespace DeployDirector.Tests.Releases;

public sealed class BlobStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly BlobStore _blobs;

    public BlobStoreTests()
    {
        _blobs = new BlobStore(_temp.Path);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Put_returns_the_sha256_and_stores_the_content_under_it()
    {
        byte[] content = RandomNumberGenerator.GetBytes(200_000);
        string sha = _blobs.Put(new MemoryStream(content));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), sha);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "sha256", sha[..2], sha)));
        Assert.True(_blobs.Exists(sha));
        Assert.Equal(content.Length, _blobs.Size(sha));
        using Stream stream = _blobs.Open(sha);
        using var read = new MemoryStream();
        stream.CopyTo(read);
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public void Putting_the_same_content_again_is_a_no_op()
    {
        string first = _blobs.Put(new MemoryStream("same"u8.ToArray()), out bool addedFirst);
        string second = _blobs.Put(new MemoryStream("same"u8.ToArray()), out bool addedSecond);
        Assert.Equal(first, second);
        Assert.Equal((true, false), (addedFirst, addedSecond));
        Assert.Empty(Directory.GetFiles(Path.Combine(_temp.Path, "tmp")));
    }

    [Fact]
    public void Delete_removes_a_blob_once()
    {
        string sha = _blobs.Put(new MemoryStream([1, 2, 3]));
        Assert.True(_blobs.Delete(sha));
        Assert.False(_blobs.Delete(sha));
        Assert.False(_blobs.Exists(sha));
        Assert.Null(_blobs.Size(sha));
        Assert.Throws<FileNotFoundException>(() => _blobs.Open(sha));
    }

    [Fact]
    public void Blobs_survive_a_new_store_over_the_same_folder()
    {
        string sha = _blobs.Put(new MemoryStream([9, 9]));
        Assert.Equal(2, new BlobStore(_temp.Path).Size(sha));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("abc")]
    [InlineData("")]
    public void Malformed_hashes_never_reach_a_path(string sha)
    {
        Assert.Throws<ArgumentException>(() => _blobs.Exists(sha));
        Assert.Throws<ArgumentException>(() => _blobs.Open(sha));
        Assert.Throws<ArgumentException>(() => _blobs.Delete(sha));
    }
}
