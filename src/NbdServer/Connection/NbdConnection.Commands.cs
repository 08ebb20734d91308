using System.Buffers;
using NbdServer.Protocol;
using UnionBlock.Abstractions;

namespace NbdServer.Connection;

public sealed partial class NbdConnection
{
    private void Execute(in NbdRequest request, in ReadOnlySequence<byte> payload)
    {
        uint error = RequestValidator.Validate(request, _device, _structuredReplies, _contexts.Any, _options.MaxPayload, out string? why);
        if (error != 0)
        {
            WriteError(request, error, why);
            return;
        }
        switch (request.Type)
        {
            case NbdWire.CmdRead:
                WriteRead(request);
                break;
            case NbdWire.CmdWrite:
                Durably(request, request.Length == 0 ? BlockError.None : _device.Write((long)request.Offset, payload));
                break;
            case NbdWire.CmdFlush:
                ReplyWhenDone(request, _device.FlushAsync(_shutdown));
                break;
            case NbdWire.CmdTrim:
                Durably(request, request.Length == 0 ? BlockError.None : _device.Trim((long)request.Offset, request.Length));
                break;
            case NbdWire.CmdWriteZeroes:
                Durably(request, request.Length == 0 ? BlockError.None : _device.WriteZeroes((long)request.Offset, request.Length, ZeroFlagsOf(request)));
                break;
            case NbdWire.CmdCache:
                // Advisory: the root is read in place through the OS page cache, which already
                // keeps what nodes read; there is nothing more useful to do ahead of time.
                Durably(request, BlockError.None);
                break;
            case NbdWire.CmdBlockStatus:
                WriteBlockStatus(request);
                break;
        }
    }

    /// <summary>Replies to a modifying command; with FUA, only once the change is on stable storage.</summary>
    private void Durably(in NbdRequest request, BlockError result)
    {
        if (result == BlockError.None && request.Has(NbdWire.CmdFlagFua))
        {
            ReplyWhenDone(request, _device.FlushAsync(_shutdown));
            return;
        }
        WriteResult(request, result);
    }

    private static ZeroFlags ZeroFlagsOf(in NbdRequest request) =>
        (request.Has(NbdWire.CmdFlagNoHole) ? ZeroFlags.NoHole : ZeroFlags.None)
        | (request.Has(NbdWire.CmdFlagFastZero) ? ZeroFlags.FastOnly : ZeroFlags.None);
}
