using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NbdServer.Connection;
using NbdServer.Exports;

namespace NbdServer.Hosting;

/// <summary>Accepts NBD clients on a TCP endpoint and runs one <see cref="NbdConnection"/> each.</summary>
public sealed class NbdListener : IAsyncDisposable
{
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private Task? _acceptLoop;
    private int _nextId;

    public NbdListener(IPEndPoint endpoint, INbdExportProvider exports, NbdServerOptions options, ILogger logger)
    {
        _exports = exports;
        _options = options;
        _logger = logger;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int ActiveConnections => _connections.Count;

    public void Start()
    {
        _socket.Listen(1024);
        _acceptLoop = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_shutdown.IsCancellationRequested)
                {
                    return;
                }
                _logger.LogWarning("accept failed: {Reason}", exception.Message);
                continue;
            }
            int id = Interlocked.Increment(ref _nextId);
            _connections[id] = Task.Run(() => ServeAsync(id, client));
        }
    }

    private async Task ServeAsync(int id, Socket client)
    {
        string peer = client.RemoteEndPoint?.ToString() ?? $"connection {id}";
        try
        {
            await using var transport = new SocketTransport(client);
            var connection = new NbdConnection(transport, _exports, _options, _logger, peer, _shutdown.Token);
            await connection.RunAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "{Peer}: connection failed", peer);
        }
        finally
        {
            _connections.TryRemove(id, out _);
        }
    }

    /// <summary>Stops accepting, ends every connection after its pending requests, and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _shutdown.Dispose();
    }
}
