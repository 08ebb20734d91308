using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;

namespace NbdServer.Tests;

/// <summary>Misbehaving clients affect only their own connection: after each, a new client is served correctly.</summary>
public sealed class RobustnessTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new TestServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task AssertServerStillServesAsync()
    {
        using RawNbdClient client = await _server.ConnectToAsync();
        await client.SendRequestAsync(0, 1, 4096, 4096);
        Assert.Equal((0u, 1ul), await client.ReadSimpleReplyAsync());
        Assert.Equal(TestServer.Pattern(4096, 4096), await client.ReadExactAsync(4096));
    }

    [Fact]
    public async Task Garbage_instead_of_client_flags_and_options()
    {
        var random = new Random(1);
        for (int i = 0; i < 20; i++)
        {
            using RawNbdClient client = await _server.ConnectAsync();
            await client.ReadGreetingAsync();
            byte[] garbage = new byte[random.Next(1, 4096)];
            random.NextBytes(garbage);
            try
            {
                await client.WriteAsync(garbage);
            }
            catch (IOException)
            {
                // the server may already have hung up
            }
        }
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task Truncated_handshakes_at_every_byte()
    {
        byte[] script = [0, 0, 0, 3, .. Convert.FromHexString("49484156454F5054000000070000000A"), 0, 0, 0, 4, (byte)'d', (byte)'i'];
        for (int cut = 0; cut <= script.Length; cut++)
        {
            using RawNbdClient client = await _server.ConnectAsync();
            await client.ReadGreetingAsync();
            await client.WriteAsync(script[..cut]);
        }
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task A_hundred_abrupt_disconnects_in_the_middle_of_requests()
    {
        for (int i = 0; i < 100; i++)
        {
            using RawNbdClient client = await _server.ConnectToAsync();
            byte[] request = new byte[28 + 2048];
            BinaryPrimitives.WriteUInt32BigEndian(request, RawNbdClient.RequestMagic);
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), (ushort)(i % 2)); // read or write
            BinaryPrimitives.WriteUInt64BigEndian(request.AsSpan(16), 8192);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(24), 4096);
            await client.WriteAsync(request[..(i % 40 + 1 + (i % 2) * 1000)]);
        }
        await AssertServerStillServesAsync();
        Assert.Equal(TestServer.Pattern(8192, 4096), ReadDisk(8192, 4096)); // no half-written write landed
    }

    private byte[] ReadDisk(long offset, int length)
    {
        byte[] data = new byte[length];
        _server.Disk.Read(offset, data);
        return data;
    }

    [Fact]
    public async Task Hundreds_of_concurrent_connections_are_served()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => _server.ConnectToAsync()));
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                ulong offset = (ulong)(i % 128) * 4096;
                await client.SendRequestAsync(0, (ulong)i, offset, 4096);
                Assert.Equal((0u, (ulong)i), await client.ReadSimpleReplyAsync());
                Assert.Equal(TestServer.Pattern((long)offset, 4096), await client.ReadExactAsync(4096));
            }));
        }
        finally
        {
            foreach (RawNbdClient client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Random requests with random flags, offsets and lengths, structured or not: each gets a
    /// well-formed reply with its cookie, and the connection stays usable.</summary>
    [Fact]
    public void Random_requests_always_get_a_well_formed_reply()
    {
        Gen<(ushort Type, ushort Flags, ulong Offset, uint Length, bool Structured)> requests =
            from type in Gen.Elements<ushort>(0, 3, 4, 5, 6, 7, 8, 200)
            from flags in Gen.Choose(0, 63)
            from offsetKind in Gen.Choose(0, 3)
            from offset in Gen.Choose(0, (int)(TestServer.DiskSize / 512))
            from length in Gen.Elements(0u, 1u, 511u, 512u, 4096u, 65536u, 1u << 20, 1u << 24, uint.MaxValue)
            from structured in Gen.Elements(true, false)
            select ((ushort)type, (ushort)flags, offsetKind == 3 ? ulong.MaxValue - (ulong)offset : (ulong)offset * 512, length, structured);
        Prop.ForAll(Arb.From(requests), r => CheckOneAsync(r.Type, r.Flags, r.Offset, r.Length, r.Structured).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    private async Task CheckOneAsync(ushort type, ushort flags, ulong offset, uint length, bool structured)
    {
        using RawNbdClient client = await _server.ConnectToAsync("disk", structured, structured ? ["base:allocation"] : []);
        await client.SendRequestAsync(type, 77, offset, length, flags);
        if (structured && type is 0 or 7)
        {
            List<RawNbdClient.Chunk> chunks = await client.ReadChunksUntilDoneAsync();
            Assert.All(chunks, c => Assert.Equal(77ul, c.Cookie));
        }
        else
        {
            (uint error, ulong cookie) = await client.ReadSimpleReplyAsync();
            Assert.Equal(77ul, cookie);
            if (type == 0 && error == 0)
            {
                await client.ReadExactAsync((int)length);
            }
        }
        await client.SendRequestAsync(3, 78, 0, 0);
        Assert.Equal((0u, 78ul), structured ? (0u, (await client.ReadSimpleReplyAsync()).Cookie) : await client.ReadSimpleReplyAsync());
    }
}
