using System.Buffers;
using System.IO.Pipelines;
using NbdServer.Exports;
using NbdServer.Protocol;
using UnionBlock.Abstractions;

namespace NbdServer.Connection;

public sealed partial class NbdConnection
{
    // One writer at a time: the read loop holds the gate while it handles a batch of requests and
    // flushes their replies with one write; requests that complete later (flush, FUA) take it too.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private SemaphoreSlim? _slots;
    private IBlockDevice _device = null!;
    private long _drainRemaining;
    private NbdRequest _drainRequest;

    private async Task TransmissionAsync(NbdExport export)
    {
        _device = export.Device;
        _slots = new SemaphoreSlim(_options.MaxPendingPerConnection, _options.MaxPendingPerConnection);
        while (true)
        {
            ReadResult result = await _input.ReadAsync(_shutdown).ConfigureAwait(false);
            if (_revoked is not null)
            {
                _input.AdvanceTo(result.Buffer.Start);
                return;
            }
            ReadOnlySequence<byte> buffer = result.Buffer;
            BatchEnd end;
            await _writeGate.WaitAsync().ConfigureAwait(false);
            try
            {
                end = ProcessBatch(ref buffer);
                await _output.FlushAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeGate.Release();
            }
            switch (end)
            {
                case BatchEnd.Disconnect:
                    _input.AdvanceTo(buffer.Start);
                    return;
                case BatchEnd.NoSlot:
                    // Examined = consumed, so the next read returns the unparsed requests at once.
                    _input.AdvanceTo(buffer.Start);
                    await _slots.WaitAsync(_shutdown).ConfigureAwait(false);
                    _slots.Release();
                    continue;
                default:
                    _input.AdvanceTo(buffer.Start, result.Buffer.End);
                    break;
            }
            if (result.IsCompleted)
            {
                // A client that powers off never says goodbye: a dropped connection is a normal end.
                return;
            }
        }
    }

    private enum BatchEnd
    {
        NeedMoreData,
        NoSlot,
        Disconnect,
    }

    /// <summary>Handles every complete request in <paramref name="buffer"/>, consuming what it handled.</summary>
    private BatchEnd ProcessBatch(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_revoked is not null)
            {
                return BatchEnd.Disconnect;
            }
            if (_drainRemaining > 0 && !Drain(ref buffer))
            {
                return BatchEnd.NeedMoreData;
            }
            if (_slots!.CurrentCount == 0)
            {
                return BatchEnd.NoSlot;
            }
            if (!RequestParser.TryParseRequest(buffer, out NbdRequest request))
            {
                return BatchEnd.NeedMoreData;
            }
            ReadOnlySequence<byte> payload = default;
            long consumed = NbdWire.RequestHeaderSize;
            if (request.Type == NbdWire.CmdWrite)
            {
                // Limits before buffering: an oversized payload is never accumulated.
                if (request.Length > _options.MaxPayload)
                {
                    if (request.Length > _options.MaxDrainedPayload)
                    {
                        NbdProtocolException.Throw(ProtocolViolation.PayloadTooLarge, $"write of {request.Length} bytes");
                    }
                    buffer = buffer.Slice(NbdWire.RequestHeaderSize);
                    _drainRemaining = request.Length;
                    _drainRequest = request;
                    continue;
                }
                if (buffer.Length < NbdWire.RequestHeaderSize + request.Length)
                {
                    return BatchEnd.NeedMoreData;
                }
                payload = buffer.Slice(NbdWire.RequestHeaderSize, request.Length);
                consumed += request.Length;
            }
            if (request.Type == NbdWire.CmdDisc)
            {
                buffer = buffer.Slice(consumed);
                return BatchEnd.Disconnect;
            }
            Execute(request, payload);
            buffer = buffer.Slice(consumed);
        }
    }

    /// <summary>Discards an oversized write payload as it arrives, then answers it with EINVAL.</summary>
    private bool Drain(ref ReadOnlySequence<byte> buffer)
    {
        long skip = Math.Min(_drainRemaining, buffer.Length);
        buffer = buffer.Slice(skip);
        _drainRemaining -= skip;
        if (_drainRemaining > 0)
        {
            return false;
        }
        WriteError(_drainRequest, NbdWire.EInval, $"write of {_drainRequest.Length} bytes exceeds the maximum of {_options.MaxPayload}");
        return true;
    }

    /// <summary>Starts a request that may complete later; its reply is written when it does.</summary>
    private void ReplyWhenDone(in NbdRequest request, ValueTask<BlockError> operation)
    {
        if (operation.IsCompletedSuccessfully)
        {
            WriteResult(request, operation.Result);
            return;
        }
        _slots!.Wait(0);
        _ = CompleteLaterAsync(request, operation);
    }

    private async Task CompleteLaterAsync(NbdRequest request, ValueTask<BlockError> operation)
    {
        BlockError error;
        try
        {
            error = await operation.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _logger.LogOperationFailure(_peer, request.Type, exception);
            error = BlockError.Io;
        }
        try
        {
            await _writeGate.WaitAsync().ConfigureAwait(false);
            try
            {
                // A revoked connection acknowledges nothing more, even what completed.
                if (_revoked is null)
                {
                    WriteResult(request, error);
                    await _output.FlushAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _writeGate.Release();
            }
        }
        catch (Exception exception) when (IsDisconnect(exception) || exception is InvalidOperationException)
        {
            // The connection is gone; the client will not read this reply.
        }
        finally
        {
            _slots!.Release();
        }
    }

    /// <summary>Waits until every request that completes later has written its reply.</summary>
    private async Task WaitForPendingAsync()
    {
        if (_slots is null)
        {
            return;
        }
        for (int i = 0; i < _options.MaxPendingPerConnection; i++)
        {
            await _slots.WaitAsync().ConfigureAwait(false);
        }
    }
}
