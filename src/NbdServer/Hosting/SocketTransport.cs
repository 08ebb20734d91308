using System.IO.Pipelines;
using System.Net.Sockets;

namespace NbdServer.Hosting;

/// <summary>Pipes over a connected socket, with buffers sized so a batch of replies leaves in few sends.</summary>
internal sealed class SocketTransport : IDuplexPipe, IAsyncDisposable
{
    private const int BufferSize = 256 * 1024;
    private readonly NetworkStream _stream;

    public SocketTransport(Socket socket)
    {
        socket.NoDelay = true; // proto.md / libnbd: Nagle is the largest single performance trap
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: BufferSize, minimumReadSize: 16 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: BufferSize, leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
