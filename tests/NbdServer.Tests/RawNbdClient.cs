using System.Buffers.Binary;
using System.Text;

namespace NbdServer.Tests;

/// <summary>
/// A byte-exact NBD client: every field is written and read by hand, so the tests see exactly what
/// the server sent, and can send exactly what a broken client would.
/// </summary>
public sealed class RawNbdClient(Stream stream) : IDisposable
{
    public const ulong NbdMagic = 0x4e42444d41474943;
    public const ulong IHaveOpt = 0x49484156454F5054;
    public const ulong OptionReplyMagic = 0x3e889045565a9;
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;
    public const uint StructuredReplyMagic = 0x668e33ef;

    public Stream Stream { get; } = stream;

    public async Task<byte[]> ReadExactAsync(int count)
    {
        byte[] buffer = new byte[count];
        await Stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        return buffer;
    }

    public Task WriteAsync(byte[] bytes) => Stream.WriteAsync(bytes).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>True when the server closed the connection (reads return end of stream).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            byte[] one = new byte[1];
            int read = await Stream.ReadAsync(one).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
            return read == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task<ushort> ReadGreetingAsync()
    {
        byte[] greeting = await ReadExactAsync(18);
        Assert.Equal(NbdMagic, BinaryPrimitives.ReadUInt64BigEndian(greeting));
        Assert.Equal(IHaveOpt, BinaryPrimitives.ReadUInt64BigEndian(greeting.AsSpan(8)));
        return BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16));
    }

    public Task SendClientFlagsAsync(uint flags)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, flags);
        return WriteAsync(bytes);
    }

    /// <summary>Greeting and client flags (fixed newstyle + no zeroes by default).</summary>
    public async Task StartAsync(uint flags = 3)
    {
        await ReadGreetingAsync();
        await SendClientFlagsAsync(flags);
    }

    public Task SendOptionAsync(uint option, byte[] data, ulong magic = IHaveOpt)
    {
        byte[] bytes = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, magic);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), (uint)data.Length);
        data.CopyTo(bytes, 16);
        return WriteAsync(bytes);
    }

    public sealed record OptionReply(uint Option, uint Type, byte[] Data)
    {
        public bool IsError => (Type & 0x80000000) != 0;
    }

    public async Task<OptionReply> ReadOptionReplyAsync()
    {
        byte[] header = await ReadExactAsync(20);
        Assert.Equal(OptionReplyMagic, BinaryPrimitives.ReadUInt64BigEndian(header));
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        return new OptionReply(
            BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)),
            BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12)),
            await ReadExactAsync((int)length));
    }

    /// <summary>Reads option replies up to and including the ACK or the first error.</summary>
    public async Task<List<OptionReply>> ReadRepliesUntilDoneAsync()
    {
        var replies = new List<OptionReply>();
        while (true)
        {
            OptionReply reply = await ReadOptionReplyAsync();
            replies.Add(reply);
            if (reply.Type == 1 || reply.IsError)
            {
                return replies;
            }
        }
    }

    public static byte[] InfoRequest(string name, params ushort[] infos)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] data = new byte[4 + nameBytes.Length + 2 + infos.Length * 2];
        BinaryPrimitives.WriteUInt32BigEndian(data, (uint)nameBytes.Length);
        nameBytes.CopyTo(data, 4);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4 + nameBytes.Length), (ushort)infos.Length);
        for (int i = 0; i < infos.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(6 + nameBytes.Length + i * 2), infos[i]);
        }
        return data;
    }

    public static byte[] MetaContextRequest(string export, params string[] queries)
    {
        var bytes = new List<byte>();
        void U32(uint v)
        {
            byte[] b = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
            bytes.AddRange(b);
        }
        byte[] name = Encoding.UTF8.GetBytes(export);
        U32((uint)name.Length);
        bytes.AddRange(name);
        U32((uint)queries.Length);
        foreach (string query in queries)
        {
            byte[] q = Encoding.UTF8.GetBytes(query);
            U32((uint)q.Length);
            bytes.AddRange(q);
        }
        return [.. bytes];
    }

    /// <summary>GO on an export; returns (size, transmission flags).</summary>
    public async Task<(ulong Size, ushort Flags)> GoAsync(string name, bool structured = false, params string[] contexts)
    {
        if (structured)
        {
            await SendOptionAsync(8, []);
            Assert.Equal(1u, (await ReadOptionReplyAsync()).Type);
        }
        if (contexts.Length > 0)
        {
            await SendOptionAsync(10, MetaContextRequest(name, contexts));
            List<OptionReply> set = await ReadRepliesUntilDoneAsync();
            Assert.Equal(1u, set[^1].Type);
        }
        await SendOptionAsync(7, InfoRequest(name));
        List<OptionReply> replies = await ReadRepliesUntilDoneAsync();
        Assert.Equal(1u, replies[^1].Type);
        OptionReply export = replies.First(r => r.Type == 3 && BinaryPrimitives.ReadUInt16BigEndian(r.Data) == 0);
        Assert.Equal(12, export.Data.Length);
        return (BinaryPrimitives.ReadUInt64BigEndian(export.Data.AsSpan(2)), BinaryPrimitives.ReadUInt16BigEndian(export.Data.AsSpan(10)));
    }

    public Task SendRequestAsync(ushort type, ulong cookie, ulong offset, uint length, ushort flags = 0, byte[]? payload = null)
    {
        byte[] bytes = new byte[28 + (payload?.Length ?? 0)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, RequestMagic);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), offset);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), length);
        payload?.CopyTo(bytes, 28);
        return WriteAsync(bytes);
    }

    /// <summary>Reads a simple reply header: (error, cookie).</summary>
    public async Task<(uint Error, ulong Cookie)> ReadSimpleReplyAsync()
    {
        byte[] header = await ReadExactAsync(16);
        Assert.Equal(SimpleReplyMagic, BinaryPrimitives.ReadUInt32BigEndian(header));
        return (BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)));
    }

    public sealed record Chunk(ushort Flags, ushort Type, ulong Cookie, byte[] Payload)
    {
        public bool Done => (Flags & 1) != 0;
    }

    public async Task<Chunk> ReadChunkAsync()
    {
        byte[] header = await ReadExactAsync(20);
        Assert.Equal(StructuredReplyMagic, BinaryPrimitives.ReadUInt32BigEndian(header));
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
        return new Chunk(
            BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4)),
            BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(6)),
            BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8)),
            await ReadExactAsync((int)length));
    }

    public async Task<List<Chunk>> ReadChunksUntilDoneAsync()
    {
        var chunks = new List<Chunk>();
        do
        {
            chunks.Add(await ReadChunkAsync());
        }
        while (!chunks[^1].Done);
        return chunks;
    }

    public void Dispose() => Stream.Dispose();
}
