using DeployDirector.Releases;
using ImageTree.Metadata;
using ImageTree.Metadata.RocksDb;

namespace DeployDirector.Tests.Releases;

public sealed class ReleaseCatalogTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly InMemoryKeyValueStore _store = new();
    private readonly BlobStore _blobs;
    private readonly ReleaseCatalog _catalog;

    public ReleaseCatalogTests()
    {
        _blobs = new BlobStore(_temp.File("blobs"));
        _catalog = new ReleaseCatalog(_store, _blobs);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The demo release as a new version, optionally with one template changed.</summary>
    private byte[] Build(string version, string? runTemplate = null)
    {
        string source = DemoRelease.CopyTo(Path.Combine(_temp.Path, Guid.NewGuid().ToString("N")));
        File.WriteAllText(Path.Combine(source, "release.yml"), $"name: demo\nversion: '{version}'\n");
        if (runTemplate is not null)
        {
            File.WriteAllText(Path.Combine(source, "jobs", "web", "templates", "run.tmpl"), runTemplate);
        }
        string output = Path.Combine(source, "..", $"demo-{version}.tgz");
        ReleaseBuilder.Create(source, output);
        return File.ReadAllBytes(output);
    }

    [Fact]
    public void Upload_keeps_the_archive_its_package_files_and_a_record()
    {
        byte[] archive = Build("1");
        ReleaseRecord record = _catalog.Upload(new MemoryStream(archive));

        Assert.Equal(("demo", "1", archive.Length), (record.Name, record.Version, record.Size));
        Assert.True(_blobs.Exists(record.Sha256));
        Assert.All(record.Packages.SelectMany(p => p.Files), f => Assert.True(_blobs.Exists(f.Sha256)));
        Assert.Equal(["backend", "web"], record.Jobs.Select(j => j.Name));
        Assert.Single(_store.Scan("release/"u8));
        Assert.NotNull(_store.Get("release/demo/1"u8));
    }

    [Fact]
    public void Uploading_the_same_bytes_again_is_a_no_op()
    {
        byte[] archive = Build("1");
        ReleaseRecord first = _catalog.Upload(new MemoryStream(archive));
        ReleaseRecord second = _catalog.Upload(new MemoryStream(archive));
        Assert.Equal((first.Sha256, first.Size), (second.Sha256, second.Size));
        Assert.Single(_catalog.List());
    }

    [Fact]
    public void The_same_version_with_other_bytes_is_a_conflict()
    {
        ReleaseRecord first = _catalog.Upload(new MemoryStream(Build("1")));
        var e = Assert.Throws<ReleaseConflictException>(() => _catalog.Upload(new MemoryStream(Build("1", "#!/bin/sh\necho other\n"))));

        Assert.Equal(("demo", "1", first.Sha256), (e.Name, e.Version, e.ExistingSha256));
        Assert.NotEqual(first.Sha256, e.UploadedSha256);
        Assert.False(_blobs.Exists(e.UploadedSha256));
        Assert.Equal(first.Sha256, _catalog.Find("demo", "1")!.Sha256);
    }

    [Fact]
    public void An_invalid_upload_leaves_nothing_behind()
    {
        byte[] bad = TestArchive.From(Build("1")).File("stray", "x").ToStream().ToArray();
        Assert.Throws<ReleaseInvalidException>(() => _catalog.Upload(new MemoryStream(bad)));
        Assert.Empty(_catalog.List());
        Assert.Empty(Directory.GetFiles(_temp.File("blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Versions_are_ordered_oldest_to_newest_by_their_numbers()
    {
        foreach (string version in new[] { "1.10", "2", "1.9", "1.2.1" })
        {
            _catalog.Upload(new MemoryStream(Build(version)));
        }
        Assert.Equal(["1.2.1", "1.9", "1.10", "2"], _catalog.Versions("demo"));
        Assert.Equal(["1.2.1", "1.9", "1.10", "2"], _catalog.List().Select(r => r.Version));
        Assert.Empty(_catalog.Versions("other"));
    }

    [Fact]
    public void Find_and_Job_return_what_was_parsed()
    {
        _catalog.Upload(new MemoryStream(Build("1")));
        JobSpec web = _catalog.Job("demo", "1", "web")!;
        Assert.Equal("backend", Assert.Single(web.Consumes).Name);
        Assert.Equal(8080, web.Properties["port"].Default!.GetValue<long>());
        Assert.Null(_catalog.Job("demo", "1", "nope"));
        Assert.Null(_catalog.Find("demo", "2"));
        Assert.Null(_catalog.Find("../x", "1"));
    }

    [Fact]
    public void Delete_removes_the_record_and_the_blobs_no_other_release_uses()
    {
        ReleaseRecord one = _catalog.Upload(new MemoryStream(Build("1")));
        ReleaseRecord two = _catalog.Upload(new MemoryStream(Build("2")));
        string lib = one.Packages[0].Files[0].Sha256;

        Assert.True(_catalog.Delete("demo", "1"));
        Assert.False(_catalog.Delete("demo", "1"));
        Assert.Equal(["2"], _catalog.Versions("demo"));
        Assert.False(_blobs.Exists(one.Sha256));
        Assert.True(_blobs.Exists(lib));

        Assert.True(_catalog.Delete("demo", "2"));
        Assert.False(_blobs.Exists(two.Sha256));
        Assert.False(_blobs.Exists(lib));
    }

    [Fact]
    public void Records_survive_reopening_the_store()
    {
        string database = _temp.File("db");
        byte[] archive = Build("3");
        ReleaseRecord uploaded;
        using (var store = new RocksDbStore(database))
        {
            uploaded = new ReleaseCatalog(store, new BlobStore(_temp.File("blobs"))).Upload(new MemoryStream(archive));
        }
        using (var store = new RocksDbStore(database))
        {
            var reopened = new ReleaseCatalog(store, new BlobStore(_temp.File("blobs")));
            ReleaseRecord found = reopened.Find("demo", "3")!;
            Assert.Equal((uploaded.Sha256, uploaded.Size), (found.Sha256, found.Size));
            Assert.Equal(uploaded.Jobs.Select(j => j.Name), found.Jobs.Select(j => j.Name));
            Assert.Equal(
                uploaded.Jobs.Single(j => j.Name == "web").Templates.Select(t => (t.Source, t.Destination, t.Text)),
                found.Jobs.Single(j => j.Name == "web").Templates.Select(t => (t.Source, t.Destination, t.Text)));
            Assert.Equal(uploaded.Packages[0].Files, found.Packages[0].Files);
            Assert.Equal("Demo", found.Jobs.Single(j => j.Name == "web").Properties["title"].Default!.GetValue<string>());
            Assert.Equal(uploaded.Sha256, reopened.Upload(new MemoryStream(archive)).Sha256);
        }
    }
}
