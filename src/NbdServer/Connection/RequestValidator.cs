using NbdServer.Protocol;
using UnionBlock.Abstractions;

namespace NbdServer.Connection;

/// <summary>
/// Every check a request must pass before it reaches the device — range, alignment, flags, size,
/// capability — in one function, so devices can trust their input.
/// </summary>
internal static class RequestValidator
{
    private const ushort KnownFlags = NbdWire.CmdFlagFua | NbdWire.CmdFlagNoHole | NbdWire.CmdFlagDf
        | NbdWire.CmdFlagReqOne | NbdWire.CmdFlagFastZero;

    /// <summary>Returns 0 when the request may run, else the NBD error to reply with and why.</summary>
    public static uint Validate(in NbdRequest request, IBlockDevice device, bool structuredReplies, bool contextsSelected, int maxPayload, out string? why)
    {
        DeviceCapabilities caps = device.Capabilities;
        bool readOnly = (caps & DeviceCapabilities.Write) == 0;
        ushort allowed = request.Type switch
        {
            NbdWire.CmdRead => NbdWire.CmdFlagFua | NbdWire.CmdFlagDf,
            NbdWire.CmdWrite or NbdWire.CmdFlush or NbdWire.CmdTrim or NbdWire.CmdCache => NbdWire.CmdFlagFua,
            NbdWire.CmdWriteZeroes => NbdWire.CmdFlagFua | NbdWire.CmdFlagNoHole | NbdWire.CmdFlagFastZero,
            NbdWire.CmdBlockStatus => NbdWire.CmdFlagFua | NbdWire.CmdFlagReqOne,
            _ => 0,
        };
        if (allowed == 0)
        {
            return Fail(NbdWire.EInval, $"unknown command {request.Type}", out why);
        }
        if ((request.Flags & ~KnownFlags) != 0 || (request.Flags & ~allowed) != 0)
        {
            return Fail(NbdWire.EInval, $"flags 0x{request.Flags:x} are not valid for command {request.Type}", out why);
        }
        if (request.Has(NbdWire.CmdFlagFua) && (caps & DeviceCapabilities.Fua) == 0)
        {
            return Fail(NbdWire.EInval, "FUA was not advertised", out why);
        }
        if (request.Has(NbdWire.CmdFlagDf) && !structuredReplies)
        {
            return Fail(NbdWire.EInval, "DF needs structured replies", out why);
        }
        if (request.Has(NbdWire.CmdFlagFastZero) && (caps & DeviceCapabilities.FastZero) == 0)
        {
            return Fail(NbdWire.EInval, "FAST_ZERO was not advertised", out why);
        }

        bool inRange = request.Offset <= (ulong)device.Size && request.Length <= (ulong)device.Size - request.Offset;
        bool aligned = ((request.Offset | request.Length) & (ulong)(device.Geometry.MinimumIo - 1)) == 0;
        switch (request.Type)
        {
            case NbdWire.CmdRead:
                if (request.Length > maxPayload)
                {
                    return Fail(NbdWire.EInval, $"read of {request.Length} bytes exceeds the maximum of {maxPayload}", out why);
                }
                return !inRange ? Fail(NbdWire.EInval, "read beyond the end of the export", out why)
                    : !aligned ? Fail(NbdWire.EInval, $"read is not aligned to {device.Geometry.MinimumIo} bytes", out why)
                    : Ok(out why);
            case NbdWire.CmdWrite:
                return readOnly ? Fail(NbdWire.EPerm, "the export is read-only", out why)
                    : !inRange ? Fail(NbdWire.ENoSpc, "write beyond the end of the export", out why)
                    : !aligned ? Fail(NbdWire.EInval, $"write is not aligned to {device.Geometry.MinimumIo} bytes", out why)
                    : Ok(out why);
            case NbdWire.CmdFlush:
                return request.Offset != 0 || request.Length != 0
                    ? Fail(NbdWire.EInval, "flush takes offset 0 and length 0", out why)
                    : (caps & DeviceCapabilities.Flush) == 0 ? Fail(NbdWire.EInval, "flush was not advertised", out why)
                    : Ok(out why);
            case NbdWire.CmdTrim:
                return readOnly ? Fail(NbdWire.EPerm, "the export is read-only", out why)
                    : (caps & DeviceCapabilities.Trim) == 0 ? Fail(NbdWire.EInval, "trim was not advertised", out why)
                    : !inRange ? Fail(NbdWire.EInval, "trim beyond the end of the export", out why)
                    : Ok(out why);
            case NbdWire.CmdWriteZeroes:
                return readOnly ? Fail(NbdWire.EPerm, "the export is read-only", out why)
                    : (caps & DeviceCapabilities.WriteZeroes) == 0 ? Fail(NbdWire.EInval, "write-zeroes was not advertised", out why)
                    : !inRange ? Fail(NbdWire.ENoSpc, "write-zeroes beyond the end of the export", out why)
                    : !aligned ? Fail(NbdWire.EInval, $"write-zeroes is not aligned to {device.Geometry.MinimumIo} bytes", out why)
                    : Ok(out why);
            case NbdWire.CmdCache:
                return (caps & DeviceCapabilities.Cache) == 0 ? Fail(NbdWire.EInval, "cache was not advertised", out why)
                    : !inRange ? Fail(NbdWire.EInval, "cache beyond the end of the export", out why)
                    : Ok(out why);
            default: // block status
                return !contextsSelected ? Fail(NbdWire.EInval, "select a metadata context before asking for block status", out why)
                    : request.Length == 0 ? Fail(NbdWire.EInval, "block status of zero bytes", out why)
                    : !inRange ? Fail(NbdWire.EInval, "block status beyond the end of the export", out why)
                    : Ok(out why);
        }
    }

    private static uint Ok(out string? why)
    {
        why = null;
        return 0;
    }

    private static uint Fail(uint error, string reason, out string? why)
    {
        why = reason;
        return error;
    }
}
