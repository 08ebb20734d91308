using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeployDirector.Releases;

namespace DeployDirector.Tests.Releases;

public sealed class ReleaseArchiveTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly byte[] _demo;

    public ReleaseArchiveTests()
    {
        ReleaseBuilder.Create(DemoRelease.SourceDirectory, _temp.File("demo.tgz"));
        _demo = File.ReadAllBytes(_temp.File("demo.tgz"));
    }

    public void Dispose() => _temp.Dispose();

    private static IReadOnlyList<ReleaseProblem> Problems(TestArchive archive) =>
        Assert.Throws<ReleaseInvalidException>(() => ReleaseArchive.Read(archive.ToStream())).Problems;

    private static ReleaseProblem Single(TestArchive archive) => Assert.Single(Problems(archive));

    [Fact]
    public void The_demo_release_round_trips()
    {
        ReleaseArchive release = ReleaseArchive.Read(new MemoryStream(_demo));

        Assert.Equal(("demo", "1"), (release.Manifest.Name, release.Manifest.Version));
        Assert.Equal(["backend", "web"], release.Manifest.Jobs);
        PackageFile lib = Assert.Single(Assert.Single(release.Manifest.Packages).Files);
        string libSource = Path.Combine(DemoRelease.SourceDirectory, "packages", "common", "lib.sh");
        Assert.Equal(("lib.sh", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(libSource)))), (lib.Path, lib.Sha256));

        JobSpec web = release.Jobs.Single(j => j.Name == "web");
        Assert.Equal(["drain.tmpl", "health.tmpl", "index.html.tmpl", "run.tmpl"], web.Templates.Select(t => t.Source));
        Assert.Equal("bin/run", web.Templates.Single(t => t.Source == "run.tmpl").Destination);
        Assert.Equal(File.ReadAllText(Path.Combine(DemoRelease.SourceDirectory, "jobs", "web", "templates", "index.html.tmpl")),
            web.Templates.Single(t => t.Source == "index.html.tmpl").Text);
        Assert.Equal(8080, web.Properties["port"].Default!.GetValue<long>());
        Assert.Equal("Demo", web.Properties["title"].Default!.GetValue<string>());
        Assert.Equal(new ConsumedLink("backend", "backend", false), Assert.Single(web.Consumes));
        Assert.Equal(["common"], web.Packages);

        JobSpec backend = release.Jobs.Single(j => j.Name == "backend");
        ProvidedLink provided = Assert.Single(backend.Provides);
        Assert.Equal(("backend", "backend", "port"), (provided.Name, provided.Type, Assert.Single(provided.Properties)));
    }

    [Fact]
    public void Building_is_deterministic_whatever_the_files_times()
    {
        string source = DemoRelease.CopyTo(_temp.Path);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        }
        ReleaseBuilder.Create(source, _temp.File("again.tgz"));
        Assert.Equal(_demo, File.ReadAllBytes(_temp.File("again.tgz")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_builder_records_executable_package_files_and_refuses_links_in_the_source()
    {
        string source = DemoRelease.CopyTo(_temp.Path);
        string tool = Path.Combine(source, "packages", "common", "tool");
        File.WriteAllText(tool, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ReleaseArchive release = ReleaseBuilder.Create(source, _temp.File("exec.tgz"));
        Assert.True(release.Manifest.Packages[0].Files.Single(f => f.Path == "tool").Executable);
        Assert.False(release.Manifest.Packages[0].Files.Single(f => f.Path == "lib.sh").Executable);

        File.CreateSymbolicLink(Path.Combine(source, "packages", "common", "link"), "/etc/passwd");
        var e = Assert.Throws<ReleaseInvalidException>(() => ReleaseBuilder.Create(source, _temp.File("link.tgz")));
        Assert.Contains(e.Problems, p => p.Path == "packages/common/link" && p.Message.Contains("link", StringComparison.Ordinal));
        Assert.False(File.Exists(_temp.File("link.tgz")));
    }

    [Fact]
    public void An_invalid_source_leaves_no_archive()
    {
        string source = DemoRelease.CopyTo(_temp.Path);
        File.WriteAllText(Path.Combine(source, "jobs", "web", "templates", "run.tmpl"), "{{#open}}\n");
        var e = Assert.Throws<ReleaseInvalidException>(() => ReleaseBuilder.Create(source, _temp.File("bad.tgz")));
        Assert.Equal(new ReleaseProblem("jobs/web/templates/run.tmpl", 1, 1, "section 'open' is not closed"), Assert.Single(e.Problems));
        Assert.Empty(Directory.GetFiles(_temp.Path, "bad.tgz*"));
    }

    [Fact]
    public void A_wrong_sha256_is_refused()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File("packages/common/lib.sh", "echo changed\n"));
        Assert.Equal("packages/common/lib.sh", problem.Path);
        Assert.Contains("sha256", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listed_file_that_is_missing_is_refused()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).Remove("packages/common/lib.sh"));
        Assert.Equal(("packages/common/lib.sh", "is missing"), (problem.Path, problem.Message));
    }

    [Theory]
    [InlineData("packages/common/extra.txt")]
    [InlineData("jobs/web/notes.txt")]
    [InlineData("jobs/web/templates/unused.tmpl")]
    [InlineData("jobs/other/job.yml")]
    [InlineData("README")]
    public void An_unlisted_file_is_refused(string path)
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File(path, "x"));
        Assert.Equal(path, problem.Path);
        Assert.Contains("not listed", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../evil", "'..'")]
    [InlineData("packages/common/../../../evil", "'..'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("packages//common/x", "empty")]
    [InlineData("packages\\common\\x", "plain relative")]
    public void Unsafe_paths_are_refused(string path, string reason)
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File(path, "x"));
        Assert.Equal(path, problem.Path);
        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "/etc/passwd")]
    [InlineData(TarEntryType.HardLink, "release.yml")]
    [InlineData(TarEntryType.CharacterDevice, null)]
    [InlineData(TarEntryType.BlockDevice, null)]
    [InlineData(TarEntryType.Fifo, null)]
    public void Links_and_devices_are_refused(TarEntryType type, string? target)
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).Special("packages/common/special", type, target));
        Assert.Equal("packages/common/special", problem.Path);
        Assert.Contains(type.ToString(), problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_entries_and_a_leading_dot_slash_are_accepted()
    {
        var archive = new TestArchive();
        foreach (string path in TestArchive.From(_demo).Paths)
        {
            archive.File("./" + path, TestArchive.From(_demo).Text(path));
        }
        archive.Special("./jobs/", TarEntryType.Directory);
        Assert.Equal("demo", ReleaseArchive.Read(archive.ToStream()).Manifest.Name);
    }

    [Fact]
    public void An_archive_packed_by_the_system_tar_is_read()
    {
        string unpacked = Directory.CreateDirectory(_temp.File("unpacked")).FullName;
        System.Formats.Tar.TarFile.ExtractToDirectory(new System.IO.Compression.GZipStream(new MemoryStream(_demo), System.IO.Compression.CompressionMode.Decompress), unpacked, overwriteFiles: false);
        using (var tar = System.Diagnostics.Process.Start("tar", ["-czf", _temp.File("system.tgz"), "-C", unpacked, "."]))
        {
            tar.WaitForExit();
            Assert.Equal(0, tar.ExitCode);
        }
        using FileStream archive = File.OpenRead(_temp.File("system.tgz"));
        ReleaseArchive release = ReleaseArchive.Read(archive);
        Assert.Equal(["backend", "web"], release.Jobs.Select(j => j.Name));
    }

    [Fact]
    public void A_template_named_by_a_job_must_exist()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).Remove("jobs/web/templates/drain.tmpl"));
        Assert.Equal(("jobs/web/templates/drain.tmpl", "is missing"), (problem.Path, problem.Message));
    }

    [Fact]
    public void A_template_that_does_not_compile_is_refused_with_its_position()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File("jobs/web/templates/drain.tmpl", "#!/bin/sh\necho {{ a }\n"));
        Assert.Equal(("jobs/web/templates/drain.tmpl", 2, 6), (problem.Path, problem.Line, problem.Column));
    }

    [Fact]
    public void Bad_yaml_is_refused_with_its_position()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File("jobs/web/job.yml", "name: web\ntemplates: [a, b\npackages: []\n"));
        Assert.Equal("jobs/web/job.yml", problem.Path);
        Assert.True(problem.Line is 2 or 3, problem.ToString());
        Assert.True(problem.Column >= 1, problem.ToString());
    }

    [Fact]
    public void A_yaml_syntax_error_carries_the_parser_position()
    {
        ReleaseProblem problem = Single(TestArchive.From(_demo).File("jobs/web/job.yml", "name: web\ntemplates:\n  a: b\n   c: d\n"));
        Assert.Equal(("jobs/web/job.yml", 4), (problem.Path, problem.Line));
    }

    [Fact]
    public void Unknown_keys_and_bad_names_are_refused_with_their_positions()
    {
        TestArchive archive = TestArchive.From(_demo);
        string release = archive.Text("release.yml").Replace("name: demo", "name: Demo\nlabel: x", StringComparison.Ordinal);
        IReadOnlyList<ReleaseProblem> problems = Problems(archive.File("release.yml", release));
        Assert.Contains(problems, p => p is { Path: "release.yml", Line: 1, Column: 7 } && p.Message.Contains("'Demo'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p is { Path: "release.yml", Line: 2, Column: 1 } && p.Message.Contains("unknown key 'label'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("version: ''")]
    [InlineData("version: 1 2")]
    [InlineData("version: a/b")]
    public void Versions_must_be_non_empty_and_plain(string version)
    {
        TestArchive archive = TestArchive.From(_demo);
        string release = archive.Text("release.yml").Replace("version: '1'", version, StringComparison.Ordinal);
        ReleaseProblem problem = Single(archive.File("release.yml", release));
        Assert.Equal(("release.yml", 2), (problem.Path, problem.Line));
    }

    [Fact]
    public void A_job_folder_must_match_the_job_name_and_its_packages_must_exist()
    {
        TestArchive archive = TestArchive.From(_demo);
        string job = archive.Text("jobs/web/job.yml").Replace("name: web", "name: webby", StringComparison.Ordinal).Replace("- common", "- nothere", StringComparison.Ordinal);
        IReadOnlyList<ReleaseProblem> problems = Problems(archive.File("jobs/web/job.yml", job));
        Assert.Contains(problems, p => p.Message.Contains("'webby'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("'nothere'", StringComparison.Ordinal));
    }

    [Fact]
    public void Overlapping_property_names_are_refused()
    {
        TestArchive archive = TestArchive.From(_demo);
        string job = archive.Text("jobs/web/job.yml").Replace("  title:", "  port.number:\n    default: 1\n  title:", StringComparison.Ordinal);
        ReleaseProblem problem = Single(archive.File("jobs/web/job.yml", job));
        Assert.Contains("overlap", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Property_defaults_keep_their_yaml_types()
    {
        TestArchive archive = TestArchive.From(_demo);
        string job = archive.Text("jobs/web/job.yml").Replace("  title:", "  typed:\n    default: {i: 3, f: 1.5, b: true, s: '3', n: ~, l: [a, 2]}\n  title:", StringComparison.Ordinal);
        JsonNode typed = ReleaseArchive.Read(archive.File("jobs/web/job.yml", job).ToStream()).Jobs.Single(j => j.Name == "web").Properties["typed"].Default!;
        Assert.Equal("""{"i":3,"f":1.5,"b":true,"s":"3","n":null,"l":["a",2]}""", typed.ToJsonString());
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        TestArchive archive = TestArchive.From(_demo)
            .File("packages/common/lib.sh", "changed")
            .File("../evil", "x")
            .Special("link", TarEntryType.SymbolicLink, "/")
            .File("stray", "x")
            .Remove("jobs/web/templates/drain.tmpl");
        Assert.Equal(5, Problems(archive).Count);
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        TestArchive archive = TestArchive.From(_demo);
        for (int i = 0; i < ReleaseLimits.MaxEntries; i++)
        {
            archive.Special($"dir{i}/", TarEntryType.Directory);
        }
        Assert.Contains(Problems(archive), p => p.Message.Contains($"more than {ReleaseLimits.MaxEntries} entries", StringComparison.Ordinal));
    }

    /// <summary>The limit is checked from the header before any data is read: this archive claims
    /// 600 MiB for an entry that holds 3 bytes.</summary>
    [Fact]
    public void More_content_than_the_limit_is_refused_from_the_headers()
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "packages/p/big") { DataStream = new MemoryStream([1, 2, 3]) });
        }
        byte[] bytes = tar.ToArray();
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(600L * 1024 * 1024, 8).PadLeft(11, '0') + "\0").CopyTo(bytes, 124);
        System.Text.Encoding.ASCII.GetBytes("        ").CopyTo(bytes, 148);
        int checksum = bytes.AsSpan(0, 512).ToArray().Sum(b => b);
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(checksum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, 148);
        var gzipped = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(gzipped, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }
        gzipped.Position = 0;

        var e = Assert.Throws<ReleaseInvalidException>(() => ReleaseArchive.Read(gzipped));
        Assert.Contains(e.Problems, p => p.Message.Contains($"more than {ReleaseLimits.MaxTotalBytes} bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Bytes_that_are_not_a_gzip_tar_are_refused()
    {
        var e = Assert.Throws<ReleaseInvalidException>(() => ReleaseArchive.Read(new MemoryStream("not an archive"u8.ToArray())));
        Assert.Contains(e.Problems, p => p.Message.Contains("gzip", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_release_yml_is_refused()
    {
        Assert.Contains(Problems(TestArchive.From(_demo).Remove("release.yml")), p => p is { Path: "release.yml", Message: "is missing" });
    }
}
