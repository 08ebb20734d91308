using NbdServer.Tests;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;

namespace Interop.Tests;

/// <summary>What only UnionBlock promises: a leaf per node, layers by name, and leaves that survive restarts and crashes.</summary>
public sealed class UbdInteropTests
{
    private static async Task<RawNbdClient> ConnectAsync(Peer peer, string export)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", peer.Port);
        var client = new RawNbdClient(new NetworkStream(socket, ownsSocket: true));
        await client.StartAsync();
        await client.GoAsync(export);
        return client;
    }

    [Fact]
    public async Task Nbdinfo_lists_the_root_and_leaves_created_on_demand()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        (await Tools.RunAsync("nbdinfo", peer.Uri("node7"))).Ok();
        Tools.Result list = (await Tools.RunAsync("nbdinfo", "--list", "--json", peer.Uri(""))).Ok();
        var names = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("exports").EnumerateArray()
            .Select(e => e.GetProperty("export-name").GetString()).ToList();
        Assert.Contains("base@1", names); // the first edition of the lineage "base"
        Assert.Contains("node7", names);
    }

    [Fact]
    public async Task Two_nodes_see_their_own_writes_and_the_root_never_changes()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x01 0 1M", peer.Uri("node1"))).Ok();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x02 0 1M", peer.Uri("node2"))).Ok();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x01 0 1M", peer.Uri("node1"))).Ok().Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x02 0 1M", peer.Uri("node2"))).Ok().Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
        string root = peer.TempFile("base.raw");
        (await Tools.RunAsync("nbdcopy", peer.Uri("base"), root)).Ok();
        Assert.True(peer.RootBytes(0, (int)Peer.Size).AsSpan().SequenceEqual(File.ReadAllBytes(root)));
    }

    [Fact]
    public async Task Frozen_layers_are_served_read_only()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        Tools.Result result = await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 1 0 4k", peer.Uri("base"));
        Assert.True(result.ExitCode != 0 || result.Stderr.Contains("read-only", StringComparison.OrdinalIgnoreCase) || result.Stdout.Contains("failed", StringComparison.Ordinal),
            result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Allocation_depth_tells_which_layer_holds_each_extent()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 9 0 64k", peer.Uri("node1"))).Ok();
        Tools.Result map = (await Tools.RunAsync("nbdinfo", "--map=qemu:allocation-depth", "--json", peer.Uri("node1"))).Ok();
        var extents = JsonDocument.Parse(map.Stdout).RootElement.EnumerateArray()
            .Select(e => (Offset: e.GetProperty("offset").GetInt64(), Length: e.GetProperty("length").GetInt64(), Depth: e.GetProperty("type").GetInt32())).ToList();
        int DepthAt(long offset) => extents.First(e => e.Offset <= offset && offset < e.Offset + e.Length).Depth;
        Assert.Equal(1, DepthAt(0));               // the leaf
        Assert.Equal(2, DepthAt(1L << 20));        // root data
        Assert.Equal(0, DepthAt(2L << 20));        // a hole everywhere
    }

    [Fact]
    public async Task A_server_restart_is_invisible_to_a_node_that_reconnects()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x42 8k 128k", "-c", "flush", peer.Uri("node1"))).Ok();
        await peer.Ubd.StopAsync();
        await peer.Ubd.StartAsync();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x42 8k 128k", peer.Uri("node1"))).Ok().Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x43 8k 4k", "-c", "flush", peer.Uri("node1"))).Ok();
        await peer.Ubd.KillAsync();
        await peer.Ubd.StartAsync();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x43 8k 4k", "-c", "read -P 0x42 12k 124k", peer.Uri("node1")))
            .Ok().Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
    }

    [Fact]
    public async Task A_flush_on_one_connection_makes_writes_of_another_durable()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        using (RawNbdClient writer = await ConnectAsync(peer, "node1"))
        using (RawNbdClient flusher = await ConnectAsync(peer, "node1"))
        {
            byte[] data = new byte[65536];
            Array.Fill(data, (byte)0x6d);
            await writer.SendRequestAsync(1, 1, 0, (uint)data.Length, payload: data);
            Assert.Equal((0u, 1ul), await writer.ReadSimpleReplyAsync());
            await flusher.SendRequestAsync(3, 2, 0, 0);
            Assert.Equal((0u, 2ul), await flusher.ReadSimpleReplyAsync());
        }
        await peer.Ubd.KillAsync();
        await peer.Ubd.StartAsync();
        (await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "read -P 0x6d 0 64k", peer.Uri("node1"))).Ok().Stdout.Contains("failed", StringComparison.Ordinal).ShouldBeFalse();
    }

    /// <summary>
    /// kill -9 in the middle of a write load, many times, at random points. After each restart every
    /// block holds its last flushed version or a version written after that flush — never anything
    /// else, and never a flushed write lost.
    /// </summary>
    [Fact]
    public async Task Acknowledged_flushed_writes_survive_kill_9_at_random_points()
    {
        await using Peer peer = await Peer.StartAsync(PeerKind.Ubd);
        const int Blocks = 256;
        var random = new Random(7);
        var candidates = new List<byte[]>[Blocks];
        for (int b = 0; b < Blocks; b++)
        {
            candidates[b] = [peer.RootBytes(b * 4096L, 4096)];
        }
        int generation = 0;
        for (int round = 0; round < 10; round++)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(100, 600)));
            Task killer = Task.Run(async () =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    await peer.Ubd.KillAsync();
                }
            });
            try
            {
                using RawNbdClient client = await ConnectAsync(peer, "node1");
                while (true)
                {
                    var batch = new List<(int Block, byte[] Data)>();
                    for (int i = 0; i < 8; i++)
                    {
                        int block = random.Next(Blocks);
                        byte[] data = BlockVersion(block, ++generation);
                        candidates[block].Add(data); // sent: it may or may not survive
                        batch.Add((block, data));
                        await client.SendRequestAsync(1, (ulong)i, (ulong)block * 4096, 4096, payload: data);
                    }
                    for (int i = 0; i < batch.Count; i++)
                    {
                        Assert.Equal(0u, (await client.ReadSimpleReplyAsync()).Error);
                    }
                    await client.SendRequestAsync(3, 100, 0, 0);
                    Assert.Equal((0u, 100ul), await client.ReadSimpleReplyAsync());
                    // Flushed: each written block's newest version is now the only one allowed.
                    foreach (int block in batch.Select(w => w.Block).Distinct())
                    {
                        candidates[block] = [candidates[block][^1]];
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
            {
                // the server was killed under us
            }
            await killer;
            await peer.Ubd.StartAsync();
            using RawNbdClient reader = await ConnectAsync(peer, "node1");
            for (int block = 0; block < Blocks; block++)
            {
                await reader.SendRequestAsync(0, (ulong)block, (ulong)block * 4096, 4096);
                Assert.Equal(0u, (await reader.ReadSimpleReplyAsync()).Error);
                byte[] actual = await reader.ReadExactAsync(4096);
                int match = candidates[block].FindLastIndex(c => c.AsSpan().SequenceEqual(actual));
                Assert.True(match >= 0, $"round {round}: block {block} lost a flushed write or holds data never written");
                candidates[block] = [candidates[block][match]];
            }
        }
        Assert.True(generation > 100, $"the load wrote only {generation} blocks");
    }

    private static byte[] BlockVersion(int block, int generation)
    {
        byte[] data = new byte[4096];
        for (int i = 0; i < data.Length; i += 8)
        {
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i), block);
            BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(i + 4), generation);
        }
        return data;
    }
}
