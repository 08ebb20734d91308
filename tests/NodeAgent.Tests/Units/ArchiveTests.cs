using System.Formats.Tar;
using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Archive;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests.Units;

/// <summary>Unpacking and verification in process: hostile names, links, limits, tampered and unlisted files, modes.</summary>
public sealed class ArchiveTests : IDisposable
{
    private static readonly DeployDirector.Contracts.InstanceRef s_instance = AgentSession.Ref("i-0", 1);
    private readonly string _root = Directory.CreateTempSubdirectory("ubd-archive-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Names_with_a_root_or_a_parent_step_are_never_relative_paths() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Elements("a", "b", "..", ".", "", "c.txt"))), parts =>
        {
            var name = string.Join('/', parts);
            var accepted = ArchiveUnpacker.TryRelativePath(name, out var relative);
            Assert.Equal(name.Length > 0 && name[0] != '/' && !parts.Contains(".."), accepted);
            if (accepted)
            {
                Assert.DoesNotContain("..", relative.Split('/'));
                Assert.False(Path.IsPathRooted(relative));
            }

            Assert.False(ArchiveUnpacker.TryRelativePath("/" + name, out _));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void A_sound_archive_unpacks_verifies_and_marks_executables()
    {
        var builder = new ArchiveBuilder(s_instance).Job("web", ("run", "exec sleep 1")).File("packages/p/data", "x");

        var outcome = Unpack(builder.Build()) ?? ArchiveVerifier.Verify(Stage, "i-0");

        Assert.NotNull(outcome.Spec);
        Assert.True(File.GetUnixFileMode(Path.Combine(Stage, "jobs/web/bin/run")).HasFlag(UnixFileMode.UserExecute));
        Assert.False(File.GetUnixFileMode(Path.Combine(Stage, "packages/p/data")).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void Links_devices_and_escapes_are_refused()
    {
        var builder = new ArchiveBuilder(s_instance).Job("web", ("run", "true"));
        Assert.Equal(ArchiveOutcome.BadArchive, Unpack(builder.Build(extra: tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "jobs/web/h") { LinkName = "instance.json" })))?.Refusal);
        Assert.Equal(ArchiveOutcome.BadArchive, Unpack(builder.Build(extra: tar => ArchiveBuilder.Write(tar, "/etc/evil", [1])))?.Refusal);
        Assert.Equal(ArchiveOutcome.BadArchive, Unpack(builder.Build(extra: tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "jobs/web/fifo"))))?.Refusal);
        Assert.Equal(ArchiveOutcome.BadArchive, Unpack([1, 2, 3, 4])?.Refusal);
    }

    [Fact]
    public void Entry_and_byte_limits_are_enforced()
    {
        var builder = new ArchiveBuilder(s_instance).Job("web", ("run", "true")).File("packages/p/big", new string('x', 5000));
        Assert.Equal(ArchiveOutcome.BadArchive, ArchiveUnpacker.Unpack(new MemoryStream(builder.Build()), Stage, new ArchiveLimits(4000, 100))?.Refusal);
        Assert.Equal(ArchiveOutcome.BadArchive, ArchiveUnpacker.Unpack(new MemoryStream(builder.Build()), Stage + "2", new ArchiveLimits(1 << 20, 2))?.Refusal);
    }

    [Fact]
    public void A_changed_byte_a_missing_file_or_an_extra_file_fails_verification()
    {
        var builder = new ArchiveBuilder(s_instance).Job("web", ("run", "exec sleep 1")).File("packages/p/data", "abc");

        Assert.Null(Unpack(builder.Build()));
        File.WriteAllText(Path.Combine(Stage, "packages/p/data"), "abd");
        Assert.Equal(ArchiveOutcome.BadChecksum, ArchiveVerifier.Verify(Stage, "i-0").Refusal);
        File.Delete(Path.Combine(Stage, "packages/p/data"));
        Assert.Equal(ArchiveOutcome.BadChecksum, ArchiveVerifier.Verify(Stage, "i-0").Refusal);
        File.WriteAllText(Path.Combine(Stage, "packages/p/data"), "abc");
        Assert.NotNull(ArchiveVerifier.Verify(Stage, "i-0").Spec);
        File.WriteAllText(Path.Combine(Stage, "jobs/web/unlisted"), "");
        Assert.Equal(ArchiveOutcome.BadChecksum, ArchiveVerifier.Verify(Stage, "i-0").Refusal);
        File.Delete(Path.Combine(Stage, "jobs/web/unlisted"));
        Assert.Equal(ArchiveOutcome.BadArchive, ArchiveVerifier.Verify(Stage, "another-instance").Refusal);
    }

    private string Stage => Path.Combine(_root, "stage");

    private ArchiveOutcome? Unpack(byte[] archive)
    {
        if (Directory.Exists(Stage))
        {
            Directory.Delete(Stage, recursive: true);
        }

        return ArchiveUnpacker.Unpack(new MemoryStream(archive), Stage, ArchiveLimits.Default);
    }
}
