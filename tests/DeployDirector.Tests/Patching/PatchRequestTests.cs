using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using DeployDirector.Patching;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.Patching;

/// <summary>What a patch request must be before any worker starts: a known lineage, a sane timeout, an
/// archive of patch.sh and files/ (regular files only), and a server that can launch workers.</summary>
public sealed class PatchRequestTests
{
    [Fact]
    public void The_archive_gives_the_script_and_files_hashes_that_become_the_provenance()
    {
        byte[] script = Encoding.UTF8.GetBytes("cp \"$UBD_PATCH_FILES/a\" /etc/a\n");
        PatchArchive read = PatchArchive.Read(Pack(("patch.sh", script), ("files/a", "one"u8.ToArray()), ("files/sub/b", "two"u8.ToArray())), PatchRunner.MaxArchiveBytes);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(script)), read.ScriptSha256);
        Assert.Equal(["a", "sub/b"], read.Files);
        Assert.Equal(6, read.FilesBytes);
        // The files' hash covers names and contents: the same bytes under another name differ.
        PatchArchive renamed = PatchArchive.Read(Pack(("patch.sh", script), ("files/c", "one"u8.ToArray()), ("files/sub/b", "two"u8.ToArray())), PatchRunner.MaxArchiveBytes);
        Assert.NotEqual(read.FilesSha256, renamed.FilesSha256);
        Assert.Equal(read.FilesSha256, PatchArchive.Read(Pack(("patch.sh", script), ("files/sub/b", "two"u8.ToArray()), ("files/a", "one"u8.ToArray())), PatchRunner.MaxArchiveBytes).FilesSha256);
    }

    [Theory]
    [InlineData("no patch.sh")]
    [InlineData("stray")]
    [InlineData("escape")]
    [InlineData("link")]
    [InlineData("not gzip")]
    public void A_bad_archive_is_refused_with_what_is_wrong(string kind)
    {
        Stream archive = kind switch
        {
            "no patch.sh" => Pack(("files/a", "x"u8.ToArray())),
            "stray" => Pack(("patch.sh", "true"u8.ToArray()), ("etc/passwd", "x"u8.ToArray())),
            "escape" => Pack(("patch.sh", "true"u8.ToArray()), ("files/../../x", "x"u8.ToArray())),
            "link" => PackWith(tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "files/l") { LinkName = "/etc/shadow" })),
            _ => new MemoryStream("plain text, not an archive"u8.ToArray()),
        };

        DirectorException refused = Assert.Throws<DirectorException>(() => PatchArchive.Read(archive, PatchRunner.MaxArchiveBytes));

        Assert.Equal(DirectorError.Invalid, refused.Kind);
        Assert.Contains(kind switch
        {
            "no patch.sh" => "no patch.sh",
            "stray" => "neither patch.sh nor under files/",
            "escape" => "unsafe path",
            "link" => "regular files and directories only",
            _ => "not a gzip'd tar",
        }, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_is_checked_before_any_worker_and_a_server_without_boot_files_says_how_to_get_them()
    {
        await using var rig = new DirectorRig();
        PatchRunner patches = rig.Director.Patches;
        Stream good() => Pack(("patch.sh", "true"u8.ToArray()));

        Assert.Equal(DirectorError.NotFound, Assert.Throws<DirectorException>(() => patches.Start("nosuch", good(), null)).Kind);
        Assert.Equal(DirectorError.Invalid, Assert.Throws<DirectorException>(() => patches.Start("stemcell", good(), TimeSpan.Zero)).Kind);
        Assert.Equal(DirectorError.Invalid, Assert.Throws<DirectorException>(() => patches.Start("stemcell", good(), TimeSpan.FromDays(1))).Kind);
        Assert.Equal(DirectorError.Invalid, Assert.Throws<DirectorException>(() => patches.Start("stemcell", Pack(("files/a", "x"u8.ToArray())), null)).Kind);
        DirectorException noWorkers = Assert.Throws<DirectorException>(() => patches.Start("stemcell", good(), null));
        Assert.Equal(DirectorError.Unavailable, noWorkers.Kind);
        Assert.Contains("--boot-files", noWorkers.Message, StringComparison.Ordinal);
        Assert.Empty(rig.Director.Context.Tasks.List());
        Assert.Equal("stemcell@1", rig.Tree.LatestEdition("stemcell")!.Name);
    }

    private static MemoryStream Pack(params (string Name, byte[] Body)[] entries) => PackWith(tar =>
    {
        foreach ((string name, byte[] body) in entries)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(body) });
        }
    });

    private static MemoryStream PackWith(Action<TarWriter> write)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            write(tar);
        }
        output.Position = 0;
        return output;
    }
}
