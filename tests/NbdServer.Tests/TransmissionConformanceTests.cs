using System.Buffers.Binary;

namespace NbdServer.Tests;

/// <summary>One test per transmission rule of proto.md (and shared/NBD.md) that the server implements.</summary>
public sealed class TransmissionConformanceTests : IAsyncLifetime
{
    private const ushort Read = 0, Write = 1, Disc = 2, Flush = 3, Trim = 4, Cache = 5, WriteZeroes = 6, BlockStatus = 7;
    private const ushort Fua = 1, NoHole = 2, Df = 4, ReqOne = 8, FastZero = 16;
    private const uint EPerm = 1, EInval = 22, ENoSpc = 28, ENotSup = 95;
    private const ushort ChunkOffsetData = 1, ChunkOffsetHole = 2, ChunkBlockStatus = 5, ChunkError = 32769;
    private TestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new TestServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Data(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<byte[]> ReadSimpleAsync(RawNbdClient client, ulong offset, int length, ulong cookie = 1)
    {
        await client.SendRequestAsync(Read, cookie, offset, (uint)length);
        Assert.Equal((0u, cookie), await client.ReadSimpleReplyAsync());
        return await client.ReadExactAsync(length);
    }

    [Fact]
    public async Task Bad_request_magic_closes_the_connection()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        byte[] garbage = new byte[28];
        garbage[0] = 0xde;
        await client.WriteAsync(garbage);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Read_returns_the_data_with_the_cookie_echoed()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        byte[] data = await ReadSimpleAsync(client, 4096, 8192, cookie: 0xFEEDFACECAFEBEEF);
        Assert.Equal(TestServer.Pattern(4096, 8192), data);
    }

    [Theory]
    [InlineData(TestServer.DiskSize - 512, 1024u)]
    [InlineData(TestServer.DiskSize, 512u)]
    [InlineData(ulong.MaxValue - 100, 512u)]
    public async Task Read_beyond_the_end_is_invalid_and_sends_no_payload(ulong offset, uint length)
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Read, 5, offset, length);
        Assert.Equal((EInval, 5ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(TestServer.Pattern(0, 512), await ReadSimpleAsync(client, 0, 512)); // still in sync
    }

    [Fact]
    public async Task Unaligned_read_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Read, 1, 100, 512);
        Assert.Equal(EInval, (await client.ReadSimpleReplyAsync()).Error);
    }

    [Fact]
    public async Task Write_then_read_back()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        byte[] data = Data(12288, 1);
        await client.SendRequestAsync(Write, 2, 512, 12288, payload: data);
        Assert.Equal((0u, 2ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(data, await ReadSimpleAsync(client, 512, 12288));
    }

    [Fact]
    public async Task Write_to_a_read_only_export_is_eperm_and_the_payload_is_drained()
    {
        using RawNbdClient client = await _server.ConnectToAsync("ro");
        await client.SendRequestAsync(Write, 3, 0, 4096, payload: Data(4096, 2));
        Assert.Equal((EPerm, 3ul), await client.ReadSimpleReplyAsync());
        await ReadSimpleAsync(client, 0, 512);
    }

    [Fact]
    public async Task Write_beyond_the_end_is_enospc_and_the_payload_is_drained()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Write, 4, TestServer.DiskSize - 512, 4096, payload: Data(4096, 3));
        Assert.Equal((ENoSpc, 4ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(TestServer.Pattern(0, 512), await ReadSimpleAsync(client, 0, 512));
    }

    [Fact]
    public async Task Oversized_write_up_to_32_mib_is_drained_and_answered_with_an_error()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        const int length = 17 << 20;
        await client.SendRequestAsync(Write, 6, 0, length, payload: new byte[length]);
        Assert.Equal((EInval, 6ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(TestServer.Pattern(0, 512), await ReadSimpleAsync(client, 0, 512));
    }

    [Fact]
    public async Task Write_larger_than_32_mib_disconnects()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Write, 7, 0, 33u << 20);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Flush_with_an_offset_is_invalid_and_a_proper_flush_succeeds()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Flush, 8, 4096, 0);
        Assert.Equal(EInval, (await client.ReadSimpleReplyAsync()).Error);
        await client.SendRequestAsync(Flush, 9, 0, 0);
        Assert.Equal((0u, 9ul), await client.ReadSimpleReplyAsync());
    }

    [Fact]
    public async Task Fua_write_succeeds()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Write, 10, 0, 512, Fua, Data(512, 4));
        Assert.Equal((0u, 10ul), await client.ReadSimpleReplyAsync());
    }

    [Fact]
    public async Task Trim_reads_back_zeros_and_is_refused_where_it_must_be()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Trim, 11, 0, 8192);
        Assert.Equal(0u, (await client.ReadSimpleReplyAsync()).Error);
        Assert.All(await ReadSimpleAsync(client, 0, 8192), b => Assert.Equal(0, b));
        await client.SendRequestAsync(Trim, 12, TestServer.DiskSize, 4096);
        Assert.Equal(EInval, (await client.ReadSimpleReplyAsync()).Error);
        using RawNbdClient readOnly = await _server.ConnectToAsync("ro");
        await readOnly.SendRequestAsync(Trim, 13, 0, 4096);
        Assert.Equal(EPerm, (await readOnly.ReadSimpleReplyAsync()).Error);
    }

    [Fact]
    public async Task Write_zeroes_reads_back_zeros_with_and_without_no_hole()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(WriteZeroes, 14, 4096, 4096);
        await client.SendRequestAsync(WriteZeroes, 15, 12288, 4096, NoHole);
        Assert.Equal(0u, (await client.ReadSimpleReplyAsync()).Error);
        Assert.Equal(0u, (await client.ReadSimpleReplyAsync()).Error);
        Assert.All(await ReadSimpleAsync(client, 4096, 4096), b => Assert.Equal(0, b));
        Assert.Equal(TestServer.Pattern(8192, 4096), await ReadSimpleAsync(client, 8192, 4096));
        Assert.All(await ReadSimpleAsync(client, 12288, 4096), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Fast_zero_fails_fast_only_when_it_would_be_slow()
    {
        // The memory device zeroes fast: FAST_ZERO alone succeeds. The union device refuses
        // FAST_ZERO with NO_HOLE (real zero data must be written); that is covered by its own tests.
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(WriteZeroes, 16, 0, 4096, FastZero);
        Assert.Equal(0u, (await client.ReadSimpleReplyAsync()).Error);
    }

    [Fact]
    public async Task Write_zeroes_beyond_the_end_is_enospc()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(WriteZeroes, 17, TestServer.DiskSize - 4096, 8192);
        Assert.Equal(ENoSpc, (await client.ReadSimpleReplyAsync()).Error);
    }

    [Theory]
    [InlineData(99, 0)]
    [InlineData(Read, 0x40)]
    [InlineData(Read, NoHole)]
    [InlineData(Write, ReqOne)]
    [InlineData(Flush, FastZero)]
    public async Task Unknown_commands_and_misplaced_flags_are_invalid_and_the_connection_stays(ushort command, ushort flags)
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(command, 18, 0, command == Write ? 0u : 512u, flags);
        Assert.Equal((EInval, 18ul), await client.ReadSimpleReplyAsync());
        await ReadSimpleAsync(client, 0, 512);
    }

    [Fact]
    public async Task Df_without_structured_replies_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Read, 19, 0, 512, Df);
        Assert.Equal(EInval, (await client.ReadSimpleReplyAsync()).Error);
    }

    [Fact]
    public async Task Zero_length_commands_succeed_without_disconnecting()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        foreach (ushort command in new[] { Read, Write, Trim, WriteZeroes })
        {
            await client.SendRequestAsync(command, 20, 0, 0);
            Assert.Equal((0u, 20ul), await client.ReadSimpleReplyAsync());
        }
    }

    [Fact]
    public async Task Cache_is_accepted()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Cache, 21, 0, 65536);
        Assert.Equal((0u, 21ul), await client.ReadSimpleReplyAsync());
    }

    [Fact]
    public async Task Structured_read_with_df_is_one_data_chunk_flagged_done()
    {
        using RawNbdClient client = await _server.ConnectToAsync(structured: true);
        await client.SendRequestAsync(Read, 22, 0, 65536, Df);
        RawNbdClient.Chunk chunk = await client.ReadChunkAsync();
        Assert.True(chunk.Done);
        Assert.Equal(ChunkOffsetData, chunk.Type);
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64BigEndian(chunk.Payload));
        Assert.Equal(TestServer.Pattern(0, 65536), chunk.Payload[8..]);
    }

    [Fact]
    public async Task Structured_read_over_a_hole_uses_hole_chunks_that_tile_the_request()
    {
        using RawNbdClient client = await _server.ConnectToAsync(structured: true);
        ulong start = TestServer.DiskSize / 2 - 8192; // 8 KiB of data, then zeros
        await client.SendRequestAsync(Read, 23, start, 65536);
        List<RawNbdClient.Chunk> chunks = await client.ReadChunksUntilDoneAsync();
        Assert.Contains(chunks, c => c.Type == ChunkOffsetHole);
        ulong position = start;
        foreach (RawNbdClient.Chunk chunk in chunks)
        {
            Assert.Equal(23ul, chunk.Cookie);
            Assert.Equal(position, BinaryPrimitives.ReadUInt64BigEndian(chunk.Payload));
            position += chunk.Type == ChunkOffsetHole ? BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload.AsSpan(8)) : (ulong)(chunk.Payload.Length - 8);
            Assert.True(chunk.Payload.Length % 512 == 0 || chunk.Type == ChunkOffsetHole || (chunk.Payload.Length - 8) % 512 == 0);
        }
        Assert.Equal(start + 65536, position);
    }

    [Fact]
    public async Task Structured_read_errors_are_error_chunks_never_simple_replies()
    {
        using RawNbdClient client = await _server.ConnectToAsync(structured: true);
        await client.SendRequestAsync(Read, 24, TestServer.DiskSize, 512);
        RawNbdClient.Chunk chunk = await client.ReadChunkAsync();
        Assert.Equal(ChunkError, chunk.Type);
        Assert.True(chunk.Done);
        Assert.Equal(EInval, BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload));
        ushort messageLength = BinaryPrimitives.ReadUInt16BigEndian(chunk.Payload.AsSpan(4));
        Assert.Equal(6 + messageLength, chunk.Payload.Length);
    }

    [Fact]
    public async Task Block_status_without_a_selected_context_is_invalid()
    {
        using RawNbdClient client = await _server.ConnectToAsync(structured: true);
        await client.SendRequestAsync(BlockStatus, 25, 0, 4096);
        RawNbdClient.Chunk chunk = await client.ReadChunkAsync();
        Assert.Equal(ChunkError, chunk.Type);
        Assert.Equal(EInval, BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload));
    }

    [Fact]
    public async Task Block_status_reports_nonempty_descriptors_inside_the_request()
    {
        using RawNbdClient client = await _server.ConnectToAsync("disk", true, "base:allocation");
        ulong start = TestServer.DiskSize / 2 - 8192;
        await client.SendRequestAsync(BlockStatus, 26, start, 65536);
        RawNbdClient.Chunk chunk = await client.ReadChunkAsync();
        Assert.True(chunk.Done);
        Assert.Equal(ChunkBlockStatus, chunk.Type);
        var descriptors = Enumerable.Range(0, (chunk.Payload.Length - 4) / 8)
            .Select(i => (Length: BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload.AsSpan(4 + i * 8)), Flags: BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload.AsSpan(8 + i * 8))))
            .ToList();
        Assert.All(descriptors, d => Assert.True(d.Length > 0));
        Assert.Equal(65536u, (uint)descriptors.Sum(d => d.Length));
        Assert.Equal([(8192u, 0u), (57344u, 3u)], descriptors);
    }

    [Fact]
    public async Task Block_status_with_req_one_has_exactly_one_descriptor()
    {
        using RawNbdClient client = await _server.ConnectToAsync("disk", true, "base:allocation");
        await client.SendRequestAsync(BlockStatus, 27, TestServer.DiskSize / 2 - 8192, 65536, ReqOne);
        RawNbdClient.Chunk chunk = await client.ReadChunkAsync();
        Assert.Equal(12, chunk.Payload.Length);
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(chunk.Payload.AsSpan(4)) <= 65536);
    }

    [Fact]
    public async Task Many_pipelined_requests_are_all_answered_with_their_cookies()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        var batch = new List<byte>();
        for (ulong cookie = 0; cookie < 200; cookie++)
        {
            byte[] request = new byte[28];
            BinaryPrimitives.WriteUInt32BigEndian(request, RawNbdClient.RequestMagic);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), cookie % 3 == 0 ? Flush : Read);
            BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(8), cookie);
            BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(16), cookie % 3 == 0 ? 0 : cookie * 512);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), cookie % 3 == 0 ? 0u : 512u);
            batch.AddRange(request);
        }
        await client.WriteAsync([.. batch]);
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 200; i++)
        {
            (uint error, ulong cookie) = await client.ReadSimpleReplyAsync();
            Assert.Equal(0u, error);
            Assert.True(seen.Add(cookie));
            if (cookie % 3 != 0)
            {
                Assert.Equal(TestServer.Pattern((long)cookie * 512, 512), await client.ReadExactAsync(512));
            }
        }
    }

    [Fact]
    public async Task Disconnect_answers_outstanding_requests_then_closes_without_a_reply()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(Flush, 30, 0, 0);
        await client.SendRequestAsync(Disc, 31, 0, 0);
        Assert.Equal((0u, 30ul), await client.ReadSimpleReplyAsync());
        Assert.True(await client.IsClosedAsync());
    }
}
