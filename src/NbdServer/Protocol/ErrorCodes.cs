using UnionBlock.Abstractions;

namespace NbdServer.Protocol;

/// <summary>The one place where device errors become NBD error numbers.</summary>
internal static class ErrorCodes
{
    public static uint ToNbd(BlockError error) => error switch
    {
        BlockError.None => 0,
        BlockError.ReadOnly => NbdWire.EPerm,
        BlockError.Io => NbdWire.EIo,
        BlockError.OutOfRange => NbdWire.EInval,
        BlockError.NoSpace => NbdWire.ENoSpc,
        BlockError.Invalid => NbdWire.EInval,
        BlockError.NotSupported => NbdWire.ENotSup,
        BlockError.Shutdown => NbdWire.EShutdown,
        _ => NbdWire.EIo,
    };
}
