using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DeployDirector.Dns;
using DeployDirector.Dns.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeployDirector.Tests.Dns;

/// <summary>The transports' bounds with raw sockets: garbage, framing, connection limits, idle timeouts, shutdown.</summary>
public sealed class DnsServerTransportTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);
    private readonly MemoryDirectory _directory = new();
    private readonly DnsServer _server;

    public DnsServerTransportTests()
    {
        _directory.Set(MemoryDirectory.Web(0, 1));
        // Idle closing must show within the tests' waits, yet a busy machine (the full suite on two
        // cores) must not close a connection between two bytes a test sends: 300 ms did, now and then.
        _server = new DnsServer(_directory, new DnsOptions { MaxTcpConnections = 2, TcpIdleTimeout = TimeSpan.FromSeconds(2) }, NullLogger.Instance);
    }

    public Task InitializeAsync() => _server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Query(ushort id) => DnsQueries.Bytes("web.demo.ubd.internal", DnsWire.TypeA, id: id);

    private async Task<DnsMessage> ReceiveUdpAsync(UdpClient udp)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        UdpReceiveResult received = await udp.ReceiveAsync(timeout.Token);
        return DnsQueries.Parse(received.Buffer);
    }

    [Fact]
    public async Task Garbage_datagrams_leave_the_udp_loop_answering()
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(_server.LocalEndPoint);
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] garbage = new byte[random.Next(0, 40)];
            random.NextBytes(garbage);
            // Clear QR so that what has a header is answered (FORMERR or otherwise), not dropped.
            if (garbage.Length > 2)
            {
                garbage[2] &= 0x7F;
            }
            await udp.SendAsync(garbage);
        }
        await udp.SendAsync(Convert.FromHexString("000100000001000000000000" + "c00c" + "00010001"));
        await udp.SendAsync(Query(0xA11));
        DnsMessage reply;
        do
        {
            reply = await ReceiveUdpAsync(udp);
        }
        while (reply.Id != 0xA11);
        Assert.Equal(2, reply.Answers.Count);
    }

    [Fact]
    public async Task A_readable_header_over_udp_gets_formerr_and_responses_get_nothing()
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(_server.LocalEndPoint);
        await udp.SendAsync(Convert.FromHexString("7777" + "8000" + "000100000000000000"));
        await udp.SendAsync(Convert.FromHexString("1234" + "0100" + "000100000000000000"));
        DnsMessage formErr = await ReceiveUdpAsync(udp);
        Assert.Equal((0x1234, DnsWire.RcodeFormErr), (formErr.Id, formErr.Rcode));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_server.LocalEndPoint);
        return socket;
    }

    private static async Task SendFramedAsync(Socket socket, byte[] message)
    {
        byte[] framed = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        await socket.SendAsync(framed);
    }

    /// <summary>The next framed message, or null when the server closes the connection.</summary>
    private static async Task<DnsMessage?> ReceiveFramedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(s_bound);
        byte[] length = new byte[2];
        if (!await ReceiveExactlyAsync(socket, length, timeout.Token))
        {
            return null;
        }
        byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        Assert.True(await ReceiveExactlyAsync(socket, message, timeout.Token));
        return DnsQueries.Parse(message);
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return false;
            }
            if (read == 0)
            {
                return false;
            }
            buffer = buffer[read..];
        }
        return true;
    }

    [Fact]
    public async Task Tcp_answers_queries_one_after_another_on_one_connection_even_split_up()
    {
        using Socket socket = await ConnectAsync();
        await SendFramedAsync(socket, Query(1));
        // The second query arrives a byte at a time.
        byte[] second = Query(2);
        foreach (byte b in (byte[])[(byte)(second.Length >> 8), (byte)second.Length, .. second])
        {
            await socket.SendAsync(new[] { b });
        }
        Assert.Equal(1, (await ReceiveFramedAsync(socket))!.Id);
        Assert.Equal(2, (await ReceiveFramedAsync(socket))!.Id);

        // A broken message with a readable header gets FORMERR; the connection goes on.
        await SendFramedAsync(socket, Query(3)[..20]);
        Assert.Equal(DnsWire.RcodeFormErr, (await ReceiveFramedAsync(socket))!.Rcode);
        await SendFramedAsync(socket, Query(4));
        Assert.Equal(4, (await ReceiveFramedAsync(socket))!.Id);
    }

    [Fact]
    public async Task Tcp_closes_on_an_empty_or_headerless_message()
    {
        using Socket empty = await ConnectAsync();
        await empty.SendAsync(new byte[2]);
        Assert.Null(await ReceiveFramedAsync(empty));

        using Socket headerless = await ConnectAsync();
        await SendFramedAsync(headerless, [1, 2, 3]);
        Assert.Null(await ReceiveFramedAsync(headerless));
    }

    [Fact]
    public async Task An_idle_or_stalled_tcp_connection_is_closed()
    {
        using Socket idle = await ConnectAsync();
        Assert.Null(await ReceiveFramedAsync(idle));

        using Socket stalled = await ConnectAsync();
        await stalled.SendAsync(new byte[] { 0, 40, 1, 2, 3 });
        Assert.Null(await ReceiveFramedAsync(stalled));
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_and_a_freed_slot_is_reused()
    {
        using Socket first = await ConnectAsync();
        using Socket second = await ConnectAsync();
        // An answer on each proves both are being served, so both slots are taken.
        foreach (Socket socket in new[] { first, second })
        {
            await SendFramedAsync(socket, Query(5));
            Assert.Equal(5, (await ReceiveFramedAsync(socket))!.Id);
        }
        using Socket third = await ConnectAsync();
        Assert.Null(await ReceiveFramedAsync(third));
        // Both served connections then go idle and are closed, which frees their slots.
        Assert.Null(await ReceiveFramedAsync(first));
        Assert.Null(await ReceiveFramedAsync(second));
        DnsMessage? reply = null;
        using var bound = new CancellationTokenSource(s_bound);
        while (reply is null && !bound.IsCancellationRequested)
        {
            // The server frees a slot just after it closes the socket; a connection in between is refused.
            using Socket again = await ConnectAsync();
            await SendFramedAsync(again, Query(6));
            reply = await ReceiveFramedAsync(again);
        }
        Assert.NotNull(reply);
        Assert.Equal(6, reply.Id);
    }

    [Fact]
    public async Task After_dispose_nothing_listens()
    {
        IPEndPoint endPoint = _server.LocalEndPoint;
        await _server.DisposeAsync();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public async Task A_server_starts_once_and_says_where_only_once_started()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _server.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), CancellationToken.None));
        await using var unstarted = new DnsServer(_directory, new DnsOptions(), NullLogger.Instance);
        Assert.Throws<InvalidOperationException>(() => unstarted.LocalEndPoint);
        await Assert.ThrowsAsync<OperationCanceledException>(() => unstarted.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new CancellationToken(canceled: true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsServer(_directory, new DnsOptions { MaxTcpConnections = 0 }, NullLogger.Instance));
    }

    [Fact]
    public async Task Udp_and_tcp_share_the_port_given()
    {
        int port = _server.LocalEndPoint.Port;
        await _server.DisposeAsync();
        await using var fixedPort = new DnsServer(_directory, new DnsOptions(), NullLogger.Instance);
        await fixedPort.StartAsync(new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None);
        Assert.Equal(port, fixedPort.LocalEndPoint.Port);
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(fixedPort.LocalEndPoint);
        await udp.SendAsync(Query(9));
        Assert.Equal(9, (await ReceiveUdpAsync(udp)).Id);
    }
}
