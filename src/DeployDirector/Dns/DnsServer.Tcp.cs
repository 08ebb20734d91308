using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using DeployDirector.Dns.Wire;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Dns;

public sealed partial class DnsServer
{
    // RFC 1035 4.2.2 / RFC 7766 8: every message is preceded by its length in two octets.
    private const int LengthPrefix = 2;

    private int _tcpOpen;
    private long _sessionIds;

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // The peer gave up before the accept completed.
                continue;
            }
            if (Interlocked.Increment(ref _tcpOpen) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _tcpOpen);
                _log.LogTcpFull(Peer(client), _options.MaxTcpConnections);
                client.Dispose();
                continue;
            }
            long id = Interlocked.Increment(ref _sessionIds);
            Task placeholder = Task.CompletedTask;
            _sessions[id] = placeholder;
            Task session = Task.Run(() => SessionAsync(id, client, stop), CancellationToken.None);
            // The session may already have removed itself; then there is nothing left to wait for.
            _sessions.TryUpdate(id, session, placeholder);
        }
    }

    private async Task SessionAsync(long id, Socket client, CancellationToken stop)
    {
        string peer = Peer(client);
        byte[] request = ArrayPool<byte>.Shared.Rent(DnsWire.MaxTcpMessage);
        byte[] response = ArrayPool<byte>.Shared.Rent(LengthPrefix + DnsWire.MaxTcpMessage);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            client.NoDelay = true;
            string reason = await ServeAsync(client, request, response, deadline);
            _log.LogTcpClosed(peer, reason);
        }
        catch (OperationCanceledException)
        {
            _log.LogTcpClosed(peer, stop.IsCancellationRequested ? "server stopping" : $"idle for {_options.TcpIdleTimeout}");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _log.LogTcpClosed(peer, e.Message);
        }
        catch (Exception e)
        {
            _log.LogRequestBug(peer, e);
        }
        finally
        {
            client.Dispose();
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
            Interlocked.Decrement(ref _tcpOpen);
            _sessions.TryRemove(id, out _);
        }
    }

    /// <summary>Queries one after another until the peer closes, goes idle, or sends what cannot be answered.</summary>
    private async Task<string> ServeAsync(Socket client, byte[] request, byte[] response, CancellationTokenSource deadline)
    {
        while (true)
        {
            // Each message, with its answer, gets the whole idle timeout again.
            deadline.CancelAfter(_options.TcpIdleTimeout);
            if (!await ReceiveExactlyAsync(client, request.AsMemory(0, LengthPrefix), deadline.Token))
            {
                return "closed by peer";
            }
            // The two-octet length is what bounds a message at 64 KiB.
            int length = BinaryPrimitives.ReadUInt16BigEndian(request);
            if (length == 0 || !await ReceiveExactlyAsync(client, request.AsMemory(0, length), deadline.Token))
            {
                return "empty or cut-off message";
            }
            int written = _responder.Respond(request.AsSpan(0, length), response.AsSpan(LengthPrefix, DnsWire.MaxTcpMessage), overUdp: false);
            if (written == 0)
            {
                // The peer would wait for an answer that never comes.
                return "message with no answer";
            }
            BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
            await SendAllAsync(client, response.AsMemory(0, LengthPrefix + written), deadline.Token);
        }
    }

    private static string Peer(Socket client)
    {
        try
        {
            return client.RemoteEndPoint?.ToString() ?? "?";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer reset the connection before it could be named.
            return "?";
        }
    }

    private static async ValueTask<bool> ReceiveExactlyAsync(Socket client, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            int read = await client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }
            buffer = buffer[read..];
        }
        return true;
    }

    private static async ValueTask SendAllAsync(Socket client, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            int sent = await client.SendAsync(buffer, SocketFlags.None, cancellationToken);
            buffer = buffer[sent..];
        }
    }
}
