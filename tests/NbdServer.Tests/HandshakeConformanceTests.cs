using System.Buffers.Binary;
using System.Text;

namespace NbdServer.Tests;

/// <summary>One test per handshake rule of proto.md (and shared/NBD.md) that the server implements.</summary>
public sealed class HandshakeConformanceTests : IAsyncLifetime
{
    private const uint OptExportName = 1, OptAbort = 2, OptList = 3, OptStartTls = 5, OptInfo = 6, OptGo = 7,
        OptStructuredReply = 8, OptListMeta = 9, OptSetMeta = 10;
    private const uint RepAck = 1, RepServer = 2, RepInfo = 3, RepMetaContext = 4;
    private const uint ErrUnsup = 0x80000001, ErrInvalid = 0x80000003, ErrTlsReqd = 0x80000005, ErrUnknown = 0x80000006, ErrTooBig = 0x80000009;
    private TestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new TestServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Greeting_offers_fixed_newstyle_and_no_zeroes()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        Assert.Equal(3, await client.ReadGreetingAsync());
    }

    [Fact]
    public async Task Unknown_client_flags_close_the_connection()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.ReadGreetingAsync();
        await client.SendClientFlagsAsync(0x80);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Unknown_option_gets_unsupported_and_negotiation_continues()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(0x1234, [1, 2, 3]);
        RawNbdClient.OptionReply reply = await client.ReadOptionReplyAsync();
        Assert.Equal((0x1234u, ErrUnsup), (reply.Option, reply.Type));
        (ulong size, _) = await client.GoAsync("disk");
        Assert.Equal((ulong)TestServer.DiskSize, size);
    }

    [Fact]
    public async Task Bad_option_magic_closes_the_connection()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptList, [], magic: 0x1122334455667788);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Abort_is_acknowledged_then_closed()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptAbort, []);
        Assert.Equal(RepAck, (await client.ReadOptionReplyAsync()).Type);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task List_sends_one_server_reply_per_export_then_ack()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptList, []);
        List<RawNbdClient.OptionReply> replies = await client.ReadRepliesUntilDoneAsync();
        Assert.Equal(RepAck, replies[^1].Type);
        var names = replies.Where(r => r.Type == RepServer)
            .Select(r => Encoding.UTF8.GetString(r.Data, 4, (int)BinaryPrimitives.ReadUInt32BigEndian(r.Data))).Order().ToList();
        Assert.Equal(["disk", "ro"], names);
    }

    [Fact]
    public async Task List_with_data_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptList, [0]);
        Assert.Equal(ErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task Info_reports_export_and_block_size_and_negotiation_continues()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptInfo, RawNbdClient.InfoRequest("disk", 3));
        List<RawNbdClient.OptionReply> info = await client.ReadRepliesUntilDoneAsync();
        Assert.Equal(RepAck, info[^1].Type);
        RawNbdClient.OptionReply export = info.Single(r => r.Type == RepInfo && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == 0);
        Assert.Equal(12, export.Data.Length);
        RawNbdClient.OptionReply blockSize = info.Single(r => r.Type == RepInfo && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == 3);
        uint min = BinaryPrimitives.ReadUInt32BigEndian(blockSize.Data.AsSpan(2));
        uint preferred = BinaryPrimitives.ReadUInt32BigEndian(blockSize.Data.AsSpan(6));
        uint max = BinaryPrimitives.ReadUInt32BigEndian(blockSize.Data.AsSpan(10));
        Assert.True(uint.IsPow2(min) && min <= 65536);
        Assert.True(uint.IsPow2(preferred) && preferred >= Math.Max(min, 512));
        Assert.True(max >= preferred && max >= 1 << 20);

        // proto.md: INFO followed by GO with the same parameters returns the same information.
        await client.SendOptionAsync(OptGo, RawNbdClient.InfoRequest("disk", 3));
        List<RawNbdClient.OptionReply> go = await client.ReadRepliesUntilDoneAsync();
        Assert.Equal(info.Select(r => Convert.ToHexString(r.Data)), go.Select(r => Convert.ToHexString(r.Data)));
    }

    [Fact]
    public async Task Info_name_and_description_are_sent_when_asked()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptInfo, RawNbdClient.InfoRequest("", 1));
        List<RawNbdClient.OptionReply> info = await client.ReadRepliesUntilDoneAsync();
        RawNbdClient.OptionReply name = info.Single(r => r.Type == RepInfo && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == 1);
        Assert.Equal("disk", Encoding.UTF8.GetString(name.Data, 2, name.Data.Length - 2));
    }

    [Fact]
    public async Task Go_on_an_unknown_export_is_unknown()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptGo, RawNbdClient.InfoRequest("nope"));
        Assert.Equal(ErrUnknown, (await client.ReadOptionReplyAsync()).Type);
    }

    [Theory]
    [InlineData("000000FF00")]               // name length larger than the data
    [InlineData("00000004646973")]           // name cut short
    [InlineData("000000046469736B000100")]   // one info request announced, half of it sent
    [InlineData("000000046469736B0000FF")]   // trailing garbage
    [InlineData("0000")]                     // shorter than the fixed part
    public async Task Malformed_info_request_is_invalid(string hex)
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptInfo, Convert.FromHexString(hex));
        Assert.Equal(ErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task A_name_with_nul_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptGo, RawNbdClient.InfoRequest("di\0sk"));
        Assert.Equal(ErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task Empty_name_means_the_default_export()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        (ulong size, ushort flags) = await client.GoAsync("");
        Assert.Equal((ulong)TestServer.DiskSize, size);
        Assert.Equal(0, flags & 2); // the default export is the writable one
    }

    [Theory]
    [InlineData(3u, 10)]
    [InlineData(1u, 134)]
    public async Task Export_name_replies_size_flags_and_zero_padding_unless_no_zeroes(uint clientFlags, int replyLength)
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync(clientFlags);
        await client.SendOptionAsync(OptExportName, Encoding.UTF8.GetBytes("disk"));
        byte[] reply = await client.ReadExactAsync(replyLength);
        Assert.Equal((ulong)TestServer.DiskSize, BinaryPrimitives.ReadUInt64BigEndian(reply));
        Assert.All(reply[10..], b => Assert.Equal(0, b));
        await client.SendRequestAsync(0, 9, 0, 512);
        Assert.Equal((0u, 9ul), await client.ReadSimpleReplyAsync());
    }

    [Fact]
    public async Task Export_name_for_an_unknown_export_disconnects()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptExportName, Encoding.UTF8.GetBytes("nope"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task StartTls_without_tls_is_unsupported_never_tls_required()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptStartTls, []);
        uint type = (await client.ReadOptionReplyAsync()).Type;
        Assert.Equal(ErrUnsup, type);
        Assert.NotEqual(ErrTlsReqd, type);
    }

    [Fact]
    public async Task Structured_reply_with_data_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptStructuredReply, [1]);
        Assert.Equal(ErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task Df_is_advertised_only_with_structured_replies()
    {
        using RawNbdClient plain = await _server.ConnectAsync();
        await plain.StartAsync();
        Assert.Equal(0, (await plain.GoAsync("disk")).Flags & 0x80);
        using RawNbdClient structured = await _server.ConnectAsync();
        await structured.StartAsync();
        Assert.NotEqual(0, (await structured.GoAsync("disk", structured: true)).Flags & 0x80);
    }

    [Fact]
    public async Task Read_only_export_advertises_read_only_and_no_write_commands()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        ushort flags = (await client.GoAsync("ro")).Flags;
        Assert.NotEqual(0, flags & 2);
        Assert.Equal(0, flags & (8 | 32 | 64 | 2048)); // FUA, TRIM, WRITE_ZEROES, FAST_ZERO
        Assert.NotEqual(0, flags & 1);
    }

    [Fact]
    public async Task Meta_context_needs_structured_replies_first()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptSetMeta, RawNbdClient.MetaContextRequest("disk", "base:allocation"));
        Assert.Equal(ErrInvalid, (await client.ReadOptionReplyAsync()).Type);
    }

    [Theory]
    [InlineData(new string[0], new[] { "base:allocation" })]
    [InlineData(new[] { "base:" }, new[] { "base:allocation" })]
    [InlineData(new[] { "nosuch:thing", "base:allocation" }, new[] { "base:allocation" })]
    public async Task List_meta_context_answers_what_the_queries_match(string[] queries, string[] expected)
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptStructuredReply, []);
        await client.ReadOptionReplyAsync();
        await client.SendOptionAsync(OptListMeta, RawNbdClient.MetaContextRequest("disk", queries));
        List<RawNbdClient.OptionReply> replies = await client.ReadRepliesUntilDoneAsync();
        Assert.Equal(RepAck, replies[^1].Type);
        Assert.Equal(expected, replies.Where(r => r.Type == RepMetaContext).Select(r => Encoding.UTF8.GetString(r.Data, 4, r.Data.Length - 4)));
    }

    [Fact]
    public async Task Set_meta_context_ignores_unknown_namespaces_and_base_wildcard()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptStructuredReply, []);
        await client.ReadOptionReplyAsync();
        await client.SendOptionAsync(OptSetMeta, RawNbdClient.MetaContextRequest("disk", "nosuch:x", "base:"));
        List<RawNbdClient.OptionReply> replies = await client.ReadRepliesUntilDoneAsync();
        Assert.Single(replies);
        Assert.Equal(RepAck, replies[0].Type);
    }

    [Fact]
    public async Task Meta_context_for_an_unknown_export_is_unknown()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptStructuredReply, []);
        await client.ReadOptionReplyAsync();
        await client.SendOptionAsync(OptSetMeta, RawNbdClient.MetaContextRequest("nope", "base:allocation"));
        Assert.Equal(ErrUnknown, (await client.ReadOptionReplyAsync()).Type);
    }

    [Fact]
    public async Task Oversized_option_data_is_skipped_with_an_error_and_negotiation_continues()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        await client.SendOptionAsync(OptGo, new byte[200_000]);
        Assert.Equal(ErrTooBig, (await client.ReadOptionReplyAsync()).Type);
        Assert.Equal((ulong)TestServer.DiskSize, (await client.GoAsync("disk")).Size);
    }

    [Fact]
    public async Task Absurd_option_length_closes_the_connection()
    {
        using RawNbdClient client = await _server.ConnectAsync();
        await client.StartAsync();
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(header, RawNbdClient.IHaveOpt);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), OptGo);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), 0xFFFFFFF0);
        await client.WriteAsync(header);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task A_client_that_never_finishes_the_handshake_is_disconnected()
    {
        await using var server = new TestServer(new NbdServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using RawNbdClient client = await server.ConnectAsync();
        await client.ReadGreetingAsync();
        Assert.True(await client.IsClosedAsync());
    }
}
