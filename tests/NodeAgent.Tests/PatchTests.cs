using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using DeployDirector.Contracts;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>run_patch through the real agent: only a worker takes it; the script runs with its files, its
/// exit code and output come back, and a worker whose patch succeeded powers off (a failed one is left for the
/// server to delete).</summary>
public sealed class PatchTests
{
    [Fact]
    public async Task A_worker_runs_patch_sh_with_its_files_answers_and_then_powers_off()
    {
        string root = Directory.CreateTempSubdirectory("ubd-patch-").FullName;
        string target = Path.Combine(root, "patched-root");
        Directory.CreateDirectory(target);
        string poweredOff = Path.Combine(root, "powered-off");
        await using var session = await Worker(root, poweredOff);
        string sha = session.Director.AddBlob(Archive(
            $"echo patching; cp \"$UBD_PATCH_FILES/motd\" {target}/motd; mkdir -p {target}/etc && cp \"$UBD_PATCH_FILES/etc/version\" {target}/etc/version; echo \"cwd $PWD\"",
            ("files/motd", "hello from the patch\n"), ("files/etc/version", "2\n")));

        CommandResult result = await session.SendAsync(CommandKind.RunPatch, null, sha);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("patching", result.Output, StringComparison.Ordinal);
        Assert.Equal("hello from the patch\n", File.ReadAllText(Path.Combine(target, "motd")));
        Assert.Equal("2\n", File.ReadAllText(Path.Combine(target, "etc", "version")));
        await Eventually.TrueAsync(() => File.Exists(poweredOff), AgentSession.Timeout, "the power-off command after the result");
    }

    [Fact]
    public async Task A_failing_script_answers_its_exit_code_and_output_and_the_worker_does_not_power_off()
    {
        string root = Directory.CreateTempSubdirectory("ubd-patch-").FullName;
        string poweredOff = Path.Combine(root, "powered-off");
        await using var session = await Worker(root, poweredOff);
        string sha = session.Director.AddBlob(Archive("echo 'apt: no such package' >&2; exit 3"));

        CommandResult result = await session.SendAsync(CommandKind.RunPatch, null, sha);

        Assert.False(result.Ok);
        Assert.Equal("failed", result.Refusal);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("apt: no such package", result.Output, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.False(File.Exists(poweredOff));
    }

    [Fact]
    public async Task A_script_over_its_time_is_killed_and_reported_as_a_timeout()
    {
        string root = Directory.CreateTempSubdirectory("ubd-patch-").FullName;
        await using var session = await Worker(root, Path.Combine(root, "powered-off"));
        string sha = session.Director.AddBlob(Archive("echo started; exec sleep 60"));

        CommandResult result = await session.SendAsync(CommandKind.RunPatch, null, sha, timeoutMs: 1_000);

        Assert.False(result.Ok);
        Assert.Equal("timeout", result.Refusal);
        Assert.Contains("started", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_not_booted_as_a_worker_refuses_a_patch_and_stays_up()
    {
        string root = Directory.CreateTempSubdirectory("ubd-patch-").FullName;
        string ran = Path.Combine(root, "ran");
        string poweredOff = Path.Combine(root, "powered-off");
        await using var session = await AgentSession.StartAsync(10_000, 200, "--patch-dir", Path.Combine(root, "patch"), "--poweroff-command", $"touch {poweredOff}");
        string sha = session.Director.AddBlob(Archive($"touch {ran}"));

        CommandResult result = await session.SendAsync(CommandKind.RunPatch, null, sha);

        Assert.False(result.Ok);
        Assert.Contains("not booted as a patch worker", result.Error, StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.False(File.Exists(ran));
        Assert.False(File.Exists(poweredOff));
    }

    [Fact]
    public async Task A_patch_archive_without_patch_sh_or_with_a_wrong_hash_is_refused()
    {
        string root = Directory.CreateTempSubdirectory("ubd-patch-").FullName;
        await using var session = await Worker(root, Path.Combine(root, "powered-off"));
        string noScript = session.Director.AddBlob(Pack([("files/x", "x")]));
        string lying = session.Director.AddBlob(Archive("true"), sha256: new string('b', 64));

        CommandResult missing = await session.SendAsync(CommandKind.RunPatch, null, noScript);
        CommandResult wrongHash = await session.SendAsync(CommandKind.RunPatch, null, lying);

        Assert.Equal("bad_archive", missing.Refusal);
        Assert.Contains("no patch.sh", missing.Error, StringComparison.Ordinal);
        Assert.Equal("bad_checksum", wrongHash.Refusal);
    }

    private static Task<AgentSession> Worker(string root, string poweredOff) =>
        AgentSession.StartAsync(10_000, 200, "--worker", "1", "--patch-dir", Path.Combine(root, "patch"), "--poweroff-command", $"touch {poweredOff}");

    private static byte[] Archive(string script, params (string Name, string Body)[] files) => Pack([("patch.sh", script), .. files]);

    private static byte[] Pack((string Name, string Body)[] entries)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach ((string name, string body) in entries)
            {
                ArchiveBuilder.Write(tar, name, Encoding.UTF8.GetBytes(body));
            }
        }
        return output.ToArray();
    }
}
