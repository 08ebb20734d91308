using System.IO.Pipelines;
using System.Net.Sockets;

namespace NbdServer.Hosting;

/// <summary>Pipes over a connected socket, with buffers sized so a batch of replies leaves in few sends.</summary>
internal sealed class SocketTransport : IDuplexPipe, IAsyncDisposable
{
    private const int BufferSize = 256 * 1024;
    private readonly Socket _socket;
    private readonly BlockingSocketStream _stream;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        socket.NoDelay = true; // proto.md / libnbd: Nagle is the largest single performance trap
        _stream = new BlockingSocketStream(socket);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: BufferSize, minimumReadSize: 16 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: BufferSize, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Ends the connection from outside: blocked reads return, as if the client had left.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
