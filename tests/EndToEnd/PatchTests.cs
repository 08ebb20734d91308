using System.Security.Cryptography;
using System.Text.Json;
using Interop.Tests;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// Scripted patches with a real worker: `ubd image patch` makes the server launch a QEMU VM on a fresh
/// leaf over the stem cell's latest edition; the VM PXE-boots as a worker (its own state in memory),
/// its agent runs the script with the files given and powers off, and the leaf becomes the next edition.
/// The new edition is exported and read with debugfs; a failing script, or a worker that dies, publishes nothing.
/// </summary>
public sealed class PatchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PatchBudget = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task A_patch_script_makes_the_next_edition_as_a_small_delta_and_a_failing_or_crashing_one_publishes_nothing()
    {
        await using BootRig rig = await BootRig.StartAsync();
        string files = rig.File("patch-files");
        Directory.CreateDirectory(Path.Combine(files, "conf"));
        await File.WriteAllTextAsync(Path.Combine(files, "conf", "motd"), "patched by ubd image patch\n");
        string script = rig.File("patch.sh");
        await File.WriteAllTextAsync(script, "set -e\ncp \"$UBD_PATCH_FILES/conf/motd\" /etc/motd\necho 'stemcell patched' > /etc/edition\necho \"patched $(cat /etc/edition)\"\n");

        Tools.Result patched = (await rig.RemoteWithin(PatchBudget, "image", "patch", "stemcell", "--script", script, "--files", files, "--timeout", "120", "--json")).Ok();
        JsonElement result = JsonDocument.Parse(JsonDocument.Parse(patched.Stdout).RootElement.GetProperty("result").GetString()!).RootElement;
        Assert.Equal("stemcell@2", result.GetProperty("edition").GetString());
        Assert.Equal("stemcell@1", result.GetProperty("parent").GetString());
        Assert.Contains("patched stemcell patched", result.GetProperty("output").GetString(), StringComparison.Ordinal);

        // Only changed blocks are stored: the two files, their inodes and directories, the journal's
        // commits and the superblock: well under a MiB of a 64 MiB root.
        long stored = result.GetProperty("storedBytes").GetInt64();
        output.WriteLine($"stemcell@2: {stored} bytes stored; worker booted in {result.GetProperty("bootSeconds")} s, script ran {result.GetProperty("scriptSeconds")} s");
        Assert.InRange(stored, 4096, 1L << 20);

        // The edition holds what the script wrote, and none of the worker's own state (boot counter, agent data).
        string image = rig.File("stemcell-2.raw");
        (await rig.Remote("export", "stemcell@2", "--output", image)).Ok();
        Assert.Equal("patched by ubd image patch\n", await Debugfs(image, "cat /etc/motd"));
        Assert.Equal("stemcell patched\n", await Debugfs(image, "cat /etc/edition"));
        Assert.Contains("not found", await DebugfsError(image, "stat /var/lib/node/boots"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not found", await DebugfsError(image, "stat /var/ubd/instances"), StringComparison.OrdinalIgnoreCase);

        // Provenance: the edition's labels say which script, which files, over what.
        string scriptSha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(script)));
        JsonElement edition = JsonDocument.Parse((await rig.Remote("image", "editions", "stemcell", "--json")).Ok().Stdout).RootElement
            .EnumerateArray().Single(e => e.GetProperty("name").GetString() == "stemcell@2");
        JsonElement labels = edition.GetProperty("labels");
        Assert.Equal(scriptSha, labels.GetProperty("patch.script-sha256").GetString());
        Assert.Equal("stemcell@1", labels.GetProperty("patch.parent").GetString());
        Assert.Equal("1", labels.GetProperty("patch.files").GetString());
        Assert.Contains("patch: script sha256 " + scriptSha[..12], (await rig.Remote("image", "editions", "stemcell")).Ok().Stdout, StringComparison.Ordinal);

        // A failing script: the command fails with the script's output, and nothing is published.
        string broken = rig.File("broken.sh");
        await File.WriteAllTextAsync(broken, "echo 'E: Unable to locate package nonexistent' >&2\nexit 7\n");
        Tools.Result failed = await rig.RemoteWithin(PatchBudget, "image", "patch", "stemcell", "--script", broken, "--timeout", "120");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("exited with code 7", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("Unable to locate package nonexistent", failed.Stderr, StringComparison.Ordinal);

        // A worker that dies mid-script (here the script powers it off, as a crash would end it) fails the
        // patch at once, saying so, instead of waiting out the script's timeout.
        string crashing = rig.File("crashing.sh");
        await File.WriteAllTextAsync(crashing, "echo 'about to go down'\necho 'half-written' > /etc/motd\npoweroff -f\nsleep 600\n");
        var crashClock = System.Diagnostics.Stopwatch.StartNew();
        Tools.Result crashed = await rig.RemoteWithin(PatchBudget, "image", "patch", "stemcell", "--script", crashing, "--timeout", "900");
        Assert.NotEqual(0, crashed.ExitCode);
        Assert.Contains("stopped while patch.sh ran", crashed.Stderr, StringComparison.Ordinal);
        Assert.True(crashClock.Elapsed < TimeSpan.FromMinutes(5), $"the crash took {crashClock.Elapsed} to be noticed");
        output.WriteLine($"a worker that went down mid-script failed the patch after {crashClock.Elapsed.TotalSeconds:0.0} s (boot included)");

        JsonElement lineage = JsonDocument.Parse((await rig.Remote("image", "editions", "--json")).Ok().Stdout).RootElement
            .EnumerateArray().Single(l => l.GetProperty("lineage").GetString() == "stemcell");
        Assert.Equal("stemcell@2", lineage.GetProperty("latest").GetString());

        // Both workers are gone, with their leaves: no node, no VM, no leaf left behind.
        Assert.Equal("[]", JsonDocument.Parse((await rig.Remote("node", "list", "--json")).Ok().Stdout).RootElement.ToString());
        Assert.Empty(Directory.GetFiles(Path.Combine(rig.Data, "qemu"), "*.json"));
        Assert.Equal("[]", JsonDocument.Parse((await rig.Remote("leaf", "list", "--json")).Ok().Stdout).RootElement.ToString());
    }

    private static async Task<string> Debugfs(string image, string request) =>
        (await Tools.RunAsync("/usr/sbin/debugfs", "-R", request, image)).Ok().Stdout;

    private static async Task<string> DebugfsError(string image, string request)
    {
        Tools.Result result = await Tools.RunAsync("/usr/sbin/debugfs", "-R", request, image);
        return result.Stdout + result.Stderr;
    }
}
