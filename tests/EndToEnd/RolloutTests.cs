using System.Net.Sockets;
using System.Text.Json;
using Interop.Tests;
using Xunit.Abstractions;

namespace EndToEnd.Tests;

/// <summary>
/// A patch rolled out over real nodes: three emulated stem cells run a job that serves the root's
/// /etc/edition; a patch script changes that file (the next edition, a small delta); a rollout with one
/// canary and max_in_flight 1 moves all three and every node serves the new text. A second patch breaks
/// the job (its health check fails on that edition): the rollout fails on its canary and rolls back
/// (on_failure: rollback) — the canary serves the previous text again, the other nodes were never touched.
/// The nodes are stateless (leaf_policy: reset): a patch that rewrites a file also rewrites file-system
/// metadata blocks (inode tables, bitmaps, the journal) that every booted node has written too, so a
/// kept leaf would hide the patch behind the node's own copies of those blocks.
/// </summary>
public sealed class RolloutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_patched_edition_rolls_out_canary_first_and_a_broken_one_rolls_back_after_its_canary()
    {
        await using BootRig rig = await BootRig.StartAsync("--provider", "qemu", "--qemu-forward", "8080");
        string release = ReleaseDirectory(rig);
        string tarball = rig.File("version.tgz");
        (await rig.Ubd("release", "create", release, "--output", tarball)).Ok();
        (await rig.Remote("release", "upload", tarball)).Ok();
        string manifest = rig.File("version.yml");
        await File.WriteAllTextAsync(manifest, Manifest);
        (await rig.RemoteWithin(Long, "deploy", manifest)).Ok();
        JsonElement[] instances = await Instances(rig);
        Assert.Equal(3, instances.Length);
        foreach (JsonElement instance in instances)
        {
            Assert.Equal("stemcell 1", await Page(instance));
        }

        // Patch 1: the edition file says something new; stored as a small delta.
        string good = await Patch(rig, "good.sh", "echo 'stemcell 2 (patched)' > /etc/edition\n");
        Assert.Equal("stemcell@2", good);
        // One node's VM dies before the rollout (its agent is gone): the rollout restarts it through the launcher.
        string lost = instances.Single(i => i.GetProperty("index").GetInt32() == 2).GetProperty("node").GetString()!;
        KillVm(rig, lost);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Tools.Result rolled = (await rig.RemoteWithin(Long, "rollout", "start", "demo", "--to", "stemcell@2", "--json")).Ok();
        Assert.Contains(JsonDocument.Parse(rolled.Stdout).RootElement.GetProperty("events").EnumerateArray(),
            e => e.GetProperty("message").GetString()!.StartsWith($"{lost}: ", StringComparison.Ordinal) && e.GetProperty("message").GetString()!.Contains("restarted its VM through the launcher", StringComparison.Ordinal));
        output.WriteLine($"rollout of 3 nodes onto stemcell@2: {clock.Elapsed.TotalSeconds:0} s; {JsonDocument.Parse(rolled.Stdout).RootElement.GetProperty("result").GetString()}");
        JsonElement result = JsonDocument.Parse(JsonDocument.Parse(rolled.Stdout).RootElement.GetProperty("result").GetString()!).RootElement;
        Assert.Equal(3, result.GetProperty("moved").GetInt32());
        JsonElement[] batches = [.. result.GetProperty("batches").EnumerateArray()];
        Assert.Equal([true, false, false], batches.Select(b => b.GetProperty("canary").GetBoolean()));
        Assert.All(batches, b => Assert.Equal(1, b.GetProperty("instances").GetArrayLength()));
        instances = await Instances(rig);
        foreach (JsonElement instance in instances)
        {
            Assert.Equal("stemcell 2 (patched)", await Page(instance));
        }

        // Patch 2 breaks the job on its edition: the canary fails its health check, and the rollout rolls back.
        Assert.Equal("stemcell@3", await Patch(rig, "broken.sh", "touch /etc/version-job-broken\necho 'stemcell 3 (broken)' > /etc/edition\n"));
        Dictionary<string, int> boots = await Boots(rig);
        string canary = instances.Single(i => i.GetProperty("index").GetInt32() == 0).GetProperty("node").GetString()!;
        clock.Restart();
        Tools.Result failed = await rig.RemoteWithin(Long, "rollout", "start", "demo", "--to", "stemcell@3");
        output.WriteLine($"failed rollout onto stemcell@3 with its rollback: {clock.Elapsed.TotalSeconds:0} s\n{failed.Stderr}");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("web/0", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("Rolled back to revision", failed.Stderr, StringComparison.Ordinal);
        Dictionary<string, int> after = await Boots(rig);
        Assert.Equal(boots[canary] + 2, after[canary]); // onto stemcell@3 and back
        foreach (string other in boots.Keys.Where(n => n != canary))
        {
            Assert.Equal(boots[other], after[other]);
        }
        instances = await Instances(rig);
        foreach (JsonElement instance in instances)
        {
            Assert.Equal("stemcell 2 (patched)", await Page(instance));
        }
    }

    private const string Manifest = """
        name: demo
        releases:
          - { name: version, version: latest }
        stemcells:
          - { alias: default, edition: stemcell }
        update: { canaries: 1, max_in_flight: 1, canary_watch_time: 0-40000, update_watch_time: 0-90000, on_failure: rollback }
        instance_groups:
          - name: web
            instances: 3
            stemcell: default
            leaf_policy: reset
            jobs:
              - { name: version, release: version, properties: { port: 8080 } }
        """;

    /// <summary>A one-job release: its page is the root's /etc/edition; it is unhealthy where /etc/version-job-broken exists.</summary>
    private static string ReleaseDirectory(BootRig rig)
    {
        string root = rig.File("version-release");
        string templates = Path.Combine(root, "jobs", "version", "templates");
        Directory.CreateDirectory(templates);
        File.WriteAllText(Path.Combine(root, "release.yml"), "name: version\nversion: '1'\n");
        File.WriteAllText(Path.Combine(root, "jobs", "version", "job.yml"), """
            name: version
            description: Serves the root image's /etc/edition.
            templates:
              run.tmpl: bin/run
              health.tmpl: bin/health
            properties:
              port:
                description: TCP port the page listens on.
                default: 8080
            """);
        File.WriteAllText(Path.Combine(templates, "run.tmpl"), """
            #!/bin/sh
            set -eu
            mkdir -p "$UBD_JOB_DIR/www"
            cat /etc/edition > "$UBD_JOB_DIR/www/edition.txt"
            exec busybox httpd -f -p {{ properties.port }} -h "$UBD_JOB_DIR/www"
            """);
        File.WriteAllText(Path.Combine(templates, "health.tmpl"), """
            #!/bin/sh
            test ! -e /etc/version-job-broken || exit 1
            printf 'GET /edition.txt HTTP/1.0\r\n\r\n' | busybox nc -w 2 127.0.0.1 {{ properties.port }} | grep -q '^HTTP/1.[01] 200'
            """);
        return root;
    }

    private async Task<string> Patch(BootRig rig, string name, string body)
    {
        string script = rig.File(name);
        await File.WriteAllTextAsync(script, body);
        Tools.Result patched = (await rig.RemoteWithin(Long, "image", "patch", "stemcell", "--script", script, "--timeout", "120", "--json")).Ok();
        JsonElement result = JsonDocument.Parse(JsonDocument.Parse(patched.Stdout).RootElement.GetProperty("result").GetString()!).RootElement;
        long stored = result.GetProperty("storedBytes").GetInt64();
        output.WriteLine($"{result.GetProperty("edition").GetString()}: {stored} bytes stored");
        Assert.InRange(stored, 4096, 1L << 20);
        return result.GetProperty("edition").GetString()!;
    }

    /// <summary>Kills a node's VM as a power cut would (the qemu provider's record of it stays).</summary>
    private static void KillVm(BootRig rig, string mac)
    {
        string state = Path.Combine(rig.Data, "qemu", mac.Replace(':', '-') + ".json");
        int pid = JsonDocument.Parse(File.ReadAllText(state)).RootElement.GetProperty("Pid").GetInt32();
        using var vm = System.Diagnostics.Process.GetProcessById(pid);
        vm.Kill();
        vm.WaitForExit(10_000);
    }

    private static async Task<JsonElement[]> Instances(BootRig rig) =>
        [.. JsonDocument.Parse((await rig.Remote("instances", "demo", "--json")).Ok().Stdout).RootElement.EnumerateArray()];

    private static async Task<Dictionary<string, int>> Boots(BootRig rig) =>
        JsonDocument.Parse((await rig.Remote("node", "list", "--json")).Ok().Stdout).RootElement.EnumerateArray()
            .ToDictionary(n => n.GetProperty("mac").GetString()!, n => n.GetProperty("boots").GetInt32());

    /// <summary>What the instance's job serves, through its node's forwarded port (retried briefly: it must answer).</summary>
    private static async Task<string> Page(JsonElement instance)
    {
        string endpoint = instance.GetProperty("endpoints").GetProperty("8080").GetString()!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return (await http.GetStringAsync($"http://{endpoint}/edition.txt")).Trim();
            }
            catch (Exception e) when (attempt < 10 && e is HttpRequestException or TaskCanceledException or SocketException or IOException)
            {
                await Task.Delay(1000);
            }
        }
    }
}
