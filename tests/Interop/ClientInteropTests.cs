using System.Text.Json;

namespace Interop.Tests;

/// <summary>
/// Real clients against the real server. Every script runs against nbdkit (file plugin + cow
/// filter) too, so the script itself is known to be a fair use of the protocol.
/// </summary>
public sealed class ClientInteropTests
{
    public static TheoryData<PeerKind> Peers => [PeerKind.Ubd, PeerKind.Nbdkit];

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Nbdinfo_json_reports_a_writable_disk_of_the_root_size(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        Tools.Result result = (await Tools.RunAsync("nbdinfo", "--json", peer.Uri("node1"))).Ok();
        JsonElement export = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("exports")[0];
        Assert.Equal(Peer.Size, export.GetProperty("export-size").GetInt64());
        Assert.False(export.GetProperty("is_read_only").GetBoolean());
        Assert.True(export.GetProperty("can_flush").GetBoolean());
        if (kind == PeerKind.Ubd)
        {
            foreach (string capability in new[] { "can_fua", "can_trim", "can_zero", "can_fast_zero", "can_multi_conn", "can_cache", "can_df" })
            {
                Assert.True(export.GetProperty(capability).GetBoolean(), capability);
            }
            Assert.Equal(512, export.GetProperty("block_size_minimum").GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Qemu_io_patterns_read_back_and_nbdcopy_sees_root_plus_writes(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        string uri = peer.Uri("node1");
        (await Tools.RunAsync("qemu-io", "-f", "raw",
            "-c", "write -P 0x5a 0 64k",
            "-c", "write -P 0xa5 1049088 512",   // one sector inside a root block (copy-up)
            "-c", "write -P 0x33 2097152 1M",    // into a hole of the root
            "-c", "write -z 3145728 8k",         // zeroes over root data
            "-c", "flush",
            "-c", "read -P 0x5a 0 64k",
            "-c", "read -P 0xa5 1049088 512",
            "-c", "read -P 0x33 2097152 1M",
            "-c", "read -P 0 3145728 8k",
            uri)).Ok().Stdout.Contains("Pattern verification failed", StringComparison.Ordinal).ShouldBeFalse();

        byte[] expected = peer.RootBytes(0, (int)Peer.Size);
        expected.AsSpan(0, 65536).Fill(0x5a);
        expected.AsSpan(1049088, 512).Fill(0xa5);
        expected.AsSpan(2097152, 1 << 20).Fill(0x33);
        expected.AsSpan(3145728, 8192).Clear();
        string copy = peer.TempFile("copy.raw");
        (await Tools.RunAsync("nbdcopy", uri, copy)).Ok();
        Assert.True(expected.AsSpan().SequenceEqual(File.ReadAllBytes(copy)), "nbdcopy of the export differs from root + writes");
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Qemu_img_info_convert_compare_and_map(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        string uri = peer.Uri("node1");
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x11 4096 4096", uri)).Ok();
        Tools.Result info = (await Tools.RunAsync("qemu-img", "info", "--output=json", "-f", "raw", uri)).Ok();
        Assert.Equal(Peer.Size, JsonDocument.Parse(info.Stdout).RootElement.GetProperty("virtual-size").GetInt64());
        string converted = peer.TempFile("converted.raw");
        (await Tools.RunAsync("qemu-img", "convert", "-f", "raw", "-O", "raw", uri, converted)).Ok();
        (await Tools.RunAsync("qemu-img", "compare", "-f", "raw", "-F", "raw", converted, uri)).Ok();
        Tools.Result map = (await Tools.RunAsync("qemu-img", "map", "--output=json", "-f", "raw", uri)).Ok();
        JsonElement[] extents = [.. JsonDocument.Parse(map.Stdout).RootElement.EnumerateArray()];
        // The third MiB is a hole in the root: it must be reported as zero.
        Assert.Contains(extents, e => e.GetProperty("start").GetInt64() <= 2L << 20
            && e.GetProperty("start").GetInt64() + e.GetProperty("length").GetInt64() >= 3L << 20
            && e.GetProperty("zero").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Nbdinfo_map_reports_the_roots_holes(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        Tools.Result map = (await Tools.RunAsync("nbdinfo", "--map", "--json", peer.Uri("node1"))).Ok();
        JsonElement[] extents = [.. JsonDocument.Parse(map.Stdout).RootElement.EnumerateArray()];
        Assert.Equal(Peer.Size, extents.Sum(e => e.GetProperty("length").GetInt64()));
        JsonElement third = extents.First(e => e.GetProperty("offset").GetInt64() + e.GetProperty("length").GetInt64() > 2L << 20);
        Assert.Equal(3, third.GetProperty("type").GetInt32() & 3);
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Nbdsh_script_writes_zeroes_trims_flushes_and_reads_block_status(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        const string script = """
            import nbd
            assert h.get_size() == 32 * 1024 * 1024
            h.pwrite(b'\x7e' * 8192, 65536)
            assert h.pread(8192, 65536) == b'\x7e' * 8192
            if h.can_zero():
                h.zero(4096, 65536)
            else:
                h.pwrite(b'\x00' * 4096, 65536)
            assert h.pread(8192, 65536) == b'\x00' * 4096 + b'\x7e' * 4096
            if h.can_trim():
                h.trim(4096, 69632)
            h.flush()
            seen = []
            def callback(metacontext, offset, entries, err):
                seen.append((metacontext, entries))
            h.block_status(1024 * 1024, 2 * 1024 * 1024, callback)
            assert seen and seen[0][0] == 'base:allocation'
            assert sum(seen[0][1][0::2]) > 0
            print('ok')
            """;
        string path = peer.TempFile("script.py");
        await File.WriteAllTextAsync(path, script);
        Tools.Result result = (await Tools.RunAsync("nbdsh", "--base-allocation", "-u", peer.Uri("node1"), "-c", $"exec(open('{path}').read())")).Ok();
        Assert.Contains("ok", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task Fio_with_the_nbd_engine_writes_and_verifies(PeerKind kind)
    {
        await using Peer peer = await Peer.StartAsync(kind);
        Tools.Result result = (await Tools.RunAsync("fio", "--name=verify", "--ioengine=nbd", $"--uri={peer.Uri("node1")}",
            "--rw=randwrite", "--bs=4k", "--size=8M", "--iodepth=16", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
            "--output-format=json")).Ok();
        JsonElement job = JsonDocument.Parse(result.Stdout[result.Stdout.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("jobs")[0];
        Assert.Equal(0, job.GetProperty("error").GetInt32());
        Assert.Equal(8L << 20, job.GetProperty("write").GetProperty("io_bytes").GetInt64());
    }
}

internal static class BoolAssertions
{
    public static void ShouldBeFalse(this bool value) => Assert.False(value);
}
