using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using NbdServer.Exports;
using NbdServer.Protocol;

namespace NbdServer.Connection;

/// <summary>
/// One client, from the greeting to the last reply. Errors are kept to this connection: a request
/// that fails gets an error reply; a protocol violation closes the connection; a bug is logged as
/// critical and closes the connection. None of them reaches the server.
/// </summary>
public sealed partial class NbdConnection
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly INbdExportProvider _exports;
    private readonly NbdServerOptions _options;
    private readonly ILogger _logger;
    private readonly string _peer;
    private readonly CancellationToken _shutdown;
    private readonly INbdExportGate? _gate;
    private readonly NbdConnectionRegistry? _connections;
    private readonly Action? _abortTransport;
    private volatile string? _revoked;

    /// <param name="gate">Asked whether an export may be used; null allows every export.</param>
    /// <param name="connections">Where the connection registers while in transmission, so it can be revoked.</param>
    /// <param name="abortTransport">Ends the transport from outside (blocked reads return); used by a revoke.</param>
    public NbdConnection(IDuplexPipe transport, INbdExportProvider exports, NbdServerOptions options, ILogger logger, string peer, CancellationToken shutdown,
        INbdExportGate? gate = null, NbdConnectionRegistry? connections = null, Action? abortTransport = null)
    {
        _input = transport.Input;
        _output = transport.Output;
        _exports = exports;
        _options = options;
        _logger = logger;
        _peer = peer;
        _shutdown = shutdown;
        _gate = gate;
        _connections = connections;
        _abortTransport = abortTransport;
    }

    /// <summary>
    /// Ends the connection at once from another thread (the host withdrew its export): no further
    /// request is executed, and the transport is shut down before this returns, so no reply leaves
    /// afterwards and a blocked read returns. Safe to call while the connection is ending anyway.
    /// </summary>
    public void Revoke(string reason)
    {
        _revoked = reason;
        _logger.LogWarning("{Peer}: closing connection: {Reason}", _peer, reason);
        _abortTransport?.Invoke();
        try
        {
            _input.CancelPendingRead();
        }
        catch (Exception exception) when (exception is ObjectDisposedException or InvalidOperationException)
        {
            // The connection ended on its own meanwhile.
        }
    }

    /// <summary>Serves the connection until the client leaves, breaks the protocol, or the server shuts down.</summary>
    public async Task RunAsync()
    {
        NbdExport? export = null;
        try
        {
            export = await HandshakeAsync().ConfigureAwait(false);
            _negotiated = true;
            if (export is not null)
            {
                _logger.LogDebug("{Peer}: serving export '{Export}'", _peer, export.Name);
                await TransmissionAsync(export).ConfigureAwait(false);
            }
        }
        catch (NbdProtocolException exception)
        {
            _logger.LogWarning("{Peer}: closing connection, protocol violation: {Reason}", _peer, exception.Message);
        }
        catch (Exception exception) when (IsDisconnect(exception))
        {
            _logger.LogDebug("{Peer}: connection ended ({Reason})", _peer, exception.GetType().Name);
        }
        catch (Exception exception)
        {
            _logger.LogCritical(exception, "{Peer}: closing connection after an unexpected error", _peer);
        }
        finally
        {
            await WaitForPendingAsync().ConfigureAwait(false);
            export?.Dispose();
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool IsDisconnect(Exception exception) =>
        exception is IOException or OperationCanceledException or ObjectDisposedException
        || exception is System.Net.Sockets.SocketException;
}
