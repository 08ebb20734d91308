using System.Net;
using System.Net.Sockets;
using DeployDirector.Dns.Wire;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Dns;

public sealed partial class DnsServer
{
    /// <summary>
    /// One datagram at a time: answering is a lookup in memory, so a second loop would only add
    /// contention. Nothing a datagram holds can end the loop; only the stop token does.
    /// </summary>
    private async Task UdpLoopAsync(Socket udp, CancellationToken stop)
    {
        byte[] request = new byte[DnsWire.MaxTcpMessage];
        byte[] response = new byte[DnsWire.MaxUdpPayload];
        EndPoint anyone = new IPEndPoint(udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await udp.ReceiveFromAsync(request, SocketFlags.None, anyone, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogUdpTrouble($"receive failed: {e.SocketErrorCode}");
                continue;
            }
            int length;
            try
            {
                length = _responder.Respond(request.AsSpan(0, received.ReceivedBytes), response, overUdp: true);
            }
            catch (Exception e)
            {
                _log.LogRequestBug(received.RemoteEndPoint.ToString() ?? "?", e);
                continue;
            }
            if (length == 0)
            {
                continue;
            }
            try
            {
                await udp.SendToAsync(response.AsMemory(0, length), SocketFlags.None, received.RemoteEndPoint, stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogUdpTrouble($"send to {received.RemoteEndPoint} failed: {e.SocketErrorCode}");
            }
        }
    }
}
