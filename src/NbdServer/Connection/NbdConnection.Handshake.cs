using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using NbdServer.Exports;
using NbdServer.Protocol;

namespace NbdServer.Connection;

public sealed partial class NbdConnection
{
    private bool _noZeroes;
    private bool _structuredReplies;
    private MetaContextSelection _contexts = MetaContextSelection.None;
    private volatile bool _negotiated;

    /// <summary>True once the client chose an export (or left): the handshake timeout no longer applies.</summary>
    public bool Negotiated => _negotiated;

    /// <summary>Fixed newstyle negotiation. Returns the export to serve, or null when the client left.</summary>
    private async Task<NbdExport?> HandshakeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        timeout.CancelAfter(_options.HandshakeTimeout);
        CancellationToken cancellation = timeout.Token;
        try
        {
            WriteGreeting();
            await _output.FlushAsync(cancellation).ConfigureAwait(false);

            byte[] clientFlags = await ReadBytesAsync(4, cancellation).ConfigureAwait(false);
            uint flags = BinaryPrimitives.ReadUInt32BigEndian(clientFlags);
            if ((flags & ~(NbdWire.ClientFlagFixedNewstyle | NbdWire.ClientFlagNoZeroes)) != 0)
            {
                NbdProtocolException.Throw(ProtocolViolation.UnknownClientFlags, $"client flags 0x{flags:x8}");
            }
            _noZeroes = (flags & NbdWire.ClientFlagNoZeroes) != 0;

            while (true)
            {
                (uint option, byte[]? data) = await ReadOptionAsync(cancellation).ConfigureAwait(false);
                OptionOutcome outcome = data is null
                    ? Reply(option, NbdWire.RepErrTooBig, "option data is too large")
                    : HandleOption(option, data);
                try
                {
                    await _output.FlushAsync(cancellation).ConfigureAwait(false);
                }
                catch
                {
                    outcome.Export?.Dispose(); // the client never heard it was chosen
                    throw;
                }
                switch (outcome.Kind)
                {
                    case OptionOutcomeKind.Continue:
                        continue;
                    case OptionOutcomeKind.Close:
                        return null;
                    case OptionOutcomeKind.Transmit:
                        return outcome.Export;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_shutdown.IsCancellationRequested)
        {
            NbdProtocolException.Throw(ProtocolViolation.HandshakeTimeout, $"no export chosen within {_options.HandshakeTimeout.TotalSeconds:0} s");
            return null;
        }
    }

    private void WriteGreeting()
    {
        Span<byte> greeting = _output.GetSpan(18);
        BinaryPrimitives.WriteUInt64BigEndian(greeting, NbdWire.NbdMagic);
        BinaryPrimitives.WriteUInt64BigEndian(greeting[8..], NbdWire.IHaveOpt);
        BinaryPrimitives.WriteUInt16BigEndian(greeting[16..], NbdWire.FlagFixedNewstyle | NbdWire.FlagNoZeroes);
        _output.Advance(18);
    }

    /// <summary>Reads one option. Data longer than the limit is skipped (data null) when it is
    /// modest, and closes the connection when it is absurd.</summary>
    private async Task<(uint Option, byte[]? Data)> ReadOptionAsync(CancellationToken cancellation)
    {
        byte[] headerBytes = await ReadBytesAsync(NbdWire.OptionHeaderSize, cancellation).ConfigureAwait(false);
        RequestParser.TryParseOption(new ReadOnlySequence<byte>(headerBytes), out uint option, out uint length);
        if (length > _options.MaxOptionLength)
        {
            if (length > _options.MaxDrainedPayload)
            {
                NbdProtocolException.Throw(ProtocolViolation.OptionTooLarge, $"option {option} with {length} bytes of data");
            }
            await SkipAsync(length, cancellation).ConfigureAwait(false);
            return (option, null);
        }
        return (option, await ReadBytesAsync((int)length, cancellation).ConfigureAwait(false));
    }

    private async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellation)
    {
        if (count == 0)
        {
            return [];
        }
        ReadResult result = await _input.ReadAtLeastAsync(count, cancellation).ConfigureAwait(false);
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (buffer.Length < count)
        {
            _input.AdvanceTo(buffer.End);
            NbdProtocolException.Throw(ProtocolViolation.TruncatedMessage, $"connection closed with {buffer.Length} of {count} bytes received");
        }
        byte[] bytes = buffer.Slice(0, count).ToArray();
        _input.AdvanceTo(buffer.GetPosition(count));
        return bytes;
    }

    private async Task SkipAsync(long count, CancellationToken cancellation)
    {
        while (count > 0)
        {
            ReadResult result = await _input.ReadAsync(cancellation).ConfigureAwait(false);
            long take = Math.Min(count, result.Buffer.Length);
            _input.AdvanceTo(result.Buffer.GetPosition(take));
            count -= take;
            if (count > 0 && result.IsCompleted)
            {
                NbdProtocolException.Throw(ProtocolViolation.TruncatedMessage, "connection closed inside option data");
            }
        }
    }
}
