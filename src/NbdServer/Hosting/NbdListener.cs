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
    // Connection code keeps little on the stack; hundreds of connections should not reserve 8 MiB each.
    private const int ConnectionStackBytes = 512 * 1024;
    private readonly INbdExportProvider _exports;
    private readonly INbdExportGate? _gate;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<int, (Task Done, SocketTransport Transport)> _connections = new();
    private Task? _acceptLoop;
    private int _nextId;

    /// <param name="gate">Asked before an export is served; null serves every export the provider opens.</param>
    public NbdListener(IPEndPoint endpoint, INbdExportProvider exports, NbdServerOptions options, ILogger logger, INbdExportGate? gate = null)
    {
        _exports = exports;
        _gate = gate;
        _options = options;
        _logger = logger;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _socket.Bind(endpoint);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>The connections in transmission by export: <see cref="NbdConnectionRegistry.Close"/>
    /// ends those of one export at once.</summary>
    public NbdConnectionRegistry Connections { get; } = new();

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
            var transport = new SocketTransport(client);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[id] = (done.Task, transport);
            // A thread per connection, as nbdkit does: its blocking socket calls wake it directly.
            var thread = new Thread(() => Serve(id, client, transport, done), ConnectionStackBytes) { IsBackground = true, Name = $"nbd-{id}" };
            thread.Start();
        }
    }

    private void Serve(int id, Socket client, SocketTransport transport, TaskCompletionSource done)
    {
        string peer = client.RemoteEndPoint?.ToString() ?? $"connection {id}";
        try
        {
            var connection = new NbdConnection(transport, _exports, _options, _logger, peer, _shutdown.Token, _gate, Connections, transport.Abort);
            // Blocking reads do not see a cancellation token: a handshake that takes too long, or a
            // server shutdown, ends the connection by shutting its socket down.
            using CancellationTokenRegistration onShutdown = _shutdown.Token.Register(transport.Abort);
            using var handshakeTimer = new Timer(_ => { if (!connection.Negotiated) { transport.Abort(); } }, null, _options.HandshakeTimeout, Timeout.InfiniteTimeSpan);
            connection.RunAsync().GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "{Peer}: connection failed", peer);
        }
        finally
        {
            transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _connections.TryRemove(id, out _);
            done.SetResult();
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
        await Task.WhenAll(_connections.Values.Select(c => c.Done)).ConfigureAwait(false);
        _shutdown.Dispose();
    }
}
