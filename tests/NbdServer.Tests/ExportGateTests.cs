using System.Text;
using NbdServer.Connection;

namespace NbdServer.Tests;

/// <summary>The export gate refuses exports during option haggling with NBD_REP_ERR_POLICY, and the
/// connection registry ends every connection of one export at once, leaving the others alone.</summary>
public sealed class ExportGateTests : IAsyncLifetime
{
    private const uint OptExportName = 1, OptInfo = 6, OptGo = 7, OptStructuredReply = 8, OptListMeta = 9;
    private const uint RepAck = 1, ErrPolicy = 0x80000002;
    private const string Reason = "node 52:54:00:00:00:01 is fenced by the director";
    private readonly SwitchableGate _gate = new();
    private TestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new TestServer(gate: _gate);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private NbdConnectionRegistry Connections => _server.Listener.Connections;

    private async Task<RawNbdClient.OptionReply> RefusedAsync(uint option, byte[] data)
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        if (option == OptListMeta)
        {
            await client.SendOptionAsync(OptStructuredReply, []);
            Assert.Equal(RepAck, (await client.ReadOptionReplyAsync()).Type);
        }
        await client.SendOptionAsync(option, data);
        List<RawNbdClient.OptionReply> replies = await client.ReadRepliesUntilDoneAsync();
        // Negotiation goes on after a refusal: another export can still be chosen.
        (ulong size, _) = await client.GoAsync("ro");
        Assert.Equal((ulong)TestServer.DiskSize, size);
        return replies[^1];
    }

    [Theory]
    [InlineData(OptGo)]
    [InlineData(OptInfo)]
    [InlineData(OptListMeta)]
    public async Task A_refused_export_gets_err_policy_with_the_reason(uint option)
    {
        _gate.Refuse("disk", Reason);
        byte[] data = option == OptListMeta ? RawNbdClient.MetaContextRequest("disk") : RawNbdClient.InfoRequest("disk");
        RawNbdClient.OptionReply reply = await RefusedAsync(option, data);
        Assert.Equal(ErrPolicy, reply.Type);
        Assert.Equal(Reason, Encoding.UTF8.GetString(reply.Data));
        Assert.Equal(0, Connections.Count("disk"));
    }

    [Fact]
    public async Task The_default_export_is_gated_by_its_name()
    {
        _gate.Refuse("disk", Reason);
        RawNbdClient.OptionReply reply = await RefusedAsync(OptGo, RawNbdClient.InfoRequest(""));
        Assert.Equal(ErrPolicy, reply.Type);
    }

    [Fact]
    public async Task Export_name_cannot_carry_an_error_so_a_refusal_disconnects()
    {
        _gate.Refuse("disk", Reason);
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptExportName, Encoding.UTF8.GetBytes("disk"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task A_refusal_that_starts_while_a_client_connects_is_seen_by_the_last_check()
    {
        // The first question passes; the export is refused before the second one, as when a fence
        // commits between the early check and the connection's registration.
        _gate.BeforeAnswer = n =>
        {
            if (n == 2)
            {
                _gate.Refuse("disk", Reason);
            }
        };
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptGo, RawNbdClient.InfoRequest("disk"));
        List<RawNbdClient.OptionReply> replies = await client.ReadRepliesUntilDoneAsync();
        Assert.Equal(ErrPolicy, replies[^1].Type);
        Assert.Equal(2, _gate.Questions);
        Assert.Equal(0, Connections.Count("disk"));
    }

    [Fact]
    public async Task Allowed_again_the_export_serves()
    {
        _gate.Refuse("disk", Reason);
        Assert.Equal(ErrPolicy, (await RefusedAsync(OptGo, RawNbdClient.InfoRequest("disk"))).Type);
        _gate.Allow("disk");
        using RawNbdClient client = await _server.ConnectToAsync("disk");
        await client.SendRequestAsync(0, 7, 0, 512);
        Assert.Equal((0u, 7ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(TestServer.Pattern(0, 512), await client.ReadExactAsync(512));
    }

    [Fact]
    public async Task Closing_an_export_ends_its_connections_and_no_other()
    {
        using RawNbdClient first = await _server.ConnectToAsync("disk");
        using RawNbdClient second = await _server.ConnectToAsync("disk", structured: true);
        using RawNbdClient other = await _server.ConnectToAsync("ro");
        Assert.Equal(2, Connections.Count("disk"));
        Assert.Equal(1, Connections.Count("ro"));

        Assert.Equal(2, Connections.Close("disk", Reason));

        Assert.True(await first.IsClosedAsync());
        Assert.True(await second.IsClosedAsync());
        Assert.Equal(0, Connections.Count("disk"));
        await other.SendRequestAsync(0, 9, 0, 4096);
        Assert.Equal((0u, 9ul), await other.ReadSimpleReplyAsync());
        Assert.Equal(new byte[4096], await other.ReadExactAsync(4096));
        Assert.Equal(1, Connections.Count("ro"));
        Assert.Equal(0, Connections.Close("disk", Reason));
    }

    [Fact]
    public async Task A_closed_connection_writes_nothing_more()
    {
        using RawNbdClient client = await _server.ConnectToAsync("disk");
        await client.SendRequestAsync(1, 1, 0, 512, payload: Enumerable.Repeat((byte)0xAB, 512).ToArray());
        Assert.Equal((0u, 1ul), await client.ReadSimpleReplyAsync());

        Connections.Close("disk", Reason);
        try
        {
            await client.SendRequestAsync(1, 2, 4096, 512, payload: Enumerable.Repeat((byte)0xCD, 512).ToArray());
        }
        catch (IOException)
        {
            // the server may already have reset the connection
        }
        Assert.True(await client.IsClosedAsync());

        using RawNbdClient reader = await _server.ConnectToAsync("disk");
        await reader.SendRequestAsync(0, 3, 0, 8192);
        Assert.Equal((0u, 3ul), await reader.ReadSimpleReplyAsync());
        byte[] data = await reader.ReadExactAsync(8192);
        Assert.Equal(Enumerable.Repeat((byte)0xAB, 512), data[..512]);
        Assert.Equal(TestServer.Pattern(4096, 512), data[4096..4608]);
    }

    [Fact]
    public async Task Closing_under_pipelined_writes_acknowledges_only_whole_writes()
    {
        const int Writes = 64;
        byte[] before = TestServer.Pattern(0, Writes * 4096);
        using RawNbdClient writer = await _server.ConnectToAsync("disk");
        Task send = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < Writes; i++)
                {
                    await writer.SendRequestAsync(1, (ulong)i, (ulong)i * 4096, 4096, payload: Enumerable.Repeat((byte)(0x80 + i), 4096).ToArray());
                }
            }
            catch (Exception exception) when (exception is IOException or TimeoutException)
            {
                // the server hung up while requests were still going out
            }
        });
        var acknowledged = new List<int>();
        try
        {
            while (true)
            {
                (uint error, ulong cookie) = await writer.ReadSimpleReplyAsync();
                Assert.Equal(0u, error);
                acknowledged.Add((int)cookie);
                if (acknowledged.Count == 5)
                {
                    Connections.Close("disk", Reason);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or EndOfStreamException)
        {
            // closed
        }
        await send;
        Assert.InRange(acknowledged.Count, 5, Writes);

        byte[] disk = new byte[Writes * 4096];
        Assert.Equal(UnionBlock.Abstractions.BlockError.None, _server.Disk.Read(0, disk));
        for (int i = 0; i < Writes; i++)
        {
            byte[] block = disk[(i * 4096)..((i + 1) * 4096)];
            bool written = block.All(b => b == (byte)(0x80 + i));
            Assert.True(written || block.SequenceEqual(before[(i * 4096)..((i + 1) * 4096)]), $"block {i} is half-written");
            Assert.True(written || !acknowledged.Contains(i), $"write {i} was acknowledged but is not on the disk");
        }
    }

    [Fact]
    public async Task Connections_that_left_are_not_counted()
    {
        using (RawNbdClient client = await _server.ConnectToAsync("disk"))
        {
            Assert.Equal(1, Connections.Count("disk"));
            await client.SendRequestAsync(2, 1, 0, 0);
        }
        // The server unregisters once its side of the connection has ended.
        for (int i = 0; i < 200 && Connections.Count("disk") > 0; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, Connections.Count("disk"));
    }
}
