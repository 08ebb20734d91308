using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DeployDirector.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Dns;

/// <summary>
/// An authoritative DNS server for one zone of service-group endpoints, on UDP and TCP at the
/// same port. It answers from <see cref="IEndpointDirectory"/> on every query, so a name resolves
/// only to the members that can take clients now. It runs from <see cref="StartAsync"/> until
/// <see cref="DisposeAsync"/>.
/// </summary>
public sealed partial class DnsServer : IAsyncDisposable
{
    // A port picked by the kernel for TCP may be taken for UDP; another pick is tried this many times.
    private const int BindAttempts = 16;

    private readonly DnsOptions _options;
    private readonly DnsResponder _responder;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private Socket? _udp;
    private Socket? _tcp;
    private Task _udpLoop = Task.CompletedTask;
    private Task _acceptLoop = Task.CompletedTask;
    private IPEndPoint? _localEndPoint;
    private int _disposed;

    public DnsServer(IEndpointDirectory directory, DnsOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTcpConnections, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TcpIdleTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
        _log = log;
        _responder = new DnsResponder(directory, new DnsZone(options), options.Clock, log);
    }

    /// <summary>Where the server listens (the port the kernel chose when asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("the DNS server has not been started");

    /// <summary>
    /// Binds UDP and TCP on <paramref name="listen"/> and starts serving in the background. The token
    /// cancels only the start; the server stops when it is disposed.
    /// </summary>
    public Task StartAsync(IPEndPoint listen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listen);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_localEndPoint is not null)
        {
            throw new InvalidOperationException("the DNS server is already started");
        }
        (_tcp, _udp) = Bind(listen);
        _localEndPoint = (IPEndPoint)_tcp.LocalEndPoint!;
        CancellationToken stop = _stop.Token;
        _udpLoop = Task.Run(() => UdpLoopAsync(_udp, stop), CancellationToken.None);
        _acceptLoop = Task.Run(() => AcceptLoopAsync(_tcp, stop), CancellationToken.None);
        _log.LogListening(_responder.Zone, _localEndPoint);
        return Task.CompletedTask;
    }

    private static (Socket Tcp, Socket Udp) Bind(IPEndPoint listen)
    {
        for (int attempt = 1; ; attempt++)
        {
            Socket tcp = NewSocket(listen, SocketType.Stream, ProtocolType.Tcp);
            Socket? udp = null;
            try
            {
                tcp.Bind(listen);
                tcp.Listen(128);
                udp = NewSocket(listen, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(listen.Address, ((IPEndPoint)tcp.LocalEndPoint!).Port));
                return (tcp, udp);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && listen.Port == 0 && attempt < BindAttempts)
            {
                tcp.Dispose();
                udp?.Dispose();
            }
            catch
            {
                tcp.Dispose();
                udp?.Dispose();
                throw;
            }
        }
    }

    private static Socket NewSocket(IPEndPoint listen, SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(listen.AddressFamily, type, protocol);
        if (listen.AddressFamily == AddressFamily.InterNetworkV6 && listen.Address.Equals(IPAddress.IPv6Any))
        {
            socket.DualMode = true;
        }
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync();
        _udp?.Dispose();
        _tcp?.Dispose();
        // The loops and sessions end on the cancelled token; none of them lets an exception out.
        await Task.WhenAll([_udpLoop, _acceptLoop, .. _sessions.Values]);
        _stop.Dispose();
    }
}
