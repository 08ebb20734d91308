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

    public NbdConnection(IDuplexPipe transport, INbdExportProvider exports, NbdServerOptions options, ILogger logger, string peer, CancellationToken shutdown)
    {
        _input = transport.Input;
        _output = transport.Output;
        _exports = exports;
        _options = options;
        _logger = logger;
        _peer = peer;
        _shutdown = shutdown;
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
