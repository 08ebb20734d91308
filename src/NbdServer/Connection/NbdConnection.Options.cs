using System.Buffers.Binary;
using System.Text;
using NbdServer.Exports;
using NbdServer.Protocol;
using UnionBlock.Abstractions;

namespace NbdServer.Connection;

public sealed partial class NbdConnection
{
    private const int ExportNameZeroPadding = 124;

    private OptionOutcome HandleOption(uint option, byte[] data)
    {
        if (_shutdown.IsCancellationRequested && option != NbdWire.OptAbort)
        {
            Reply(option, NbdWire.RepErrShutdown, "the server is shutting down");
            return OptionOutcome.Close;
        }
        return option switch
        {
            NbdWire.OptExportName => ExportName(data),
            NbdWire.OptAbort => Abort(),
            NbdWire.OptList => ListExports(data),
            NbdWire.OptStartTls => Reply(option, NbdWire.RepErrUnsup, "TLS is not configured on this server"),
            NbdWire.OptInfo or NbdWire.OptGo => InfoOrGo(option, data),
            NbdWire.OptStructuredReply => StructuredReply(data),
            NbdWire.OptListMetaContext or NbdWire.OptSetMetaContext => MetaContext(option, data),
            _ => Reply(option, NbdWire.RepErrUnsup, $"option {option} is not supported"),
        };
    }

    private OptionOutcome Abort()
    {
        Reply(NbdWire.OptAbort, NbdWire.RepAck);
        return OptionOutcome.Close;
    }

    /// <summary>The old way to choose an export: it cannot report an error, so a bad name disconnects.</summary>
    private OptionOutcome ExportName(byte[] data)
    {
        if (!OptionParsers.TryDecodeString(data, out string name))
        {
            NbdProtocolException.Throw(ProtocolViolation.UnknownExportOnExportName, "malformed export name");
        }
        NbdExport? export = Open(name, transmission: true, out uint refusal, out string? error);
        if (export is null)
        {
            NbdProtocolException.Throw(
                refusal == NbdWire.RepErrPolicy ? ProtocolViolation.ExportRefusedOnExportName : ProtocolViolation.UnknownExportOnExportName, error ?? name);
        }
        int length = 10 + (_noZeroes ? 0 : ExportNameZeroPadding);
        Span<byte> reply = _output.GetSpan(length)[..length];
        reply.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)export.Device.Size);
        BinaryPrimitives.WriteUInt16BigEndian(reply[8..], TransmissionFlags(export));
        _output.Advance(length);
        return new OptionOutcome(OptionOutcomeKind.Transmit, export);
    }

    private OptionOutcome ListExports(byte[] data)
    {
        if (data.Length != 0)
        {
            return Reply(NbdWire.OptList, NbdWire.RepErrInvalid, "NBD_OPT_LIST takes no data");
        }
        foreach (NbdExportListing listing in _exports.List())
        {
            byte[] name = Encoding.UTF8.GetBytes(listing.Name);
            byte[] description = Encoding.UTF8.GetBytes(listing.Description ?? string.Empty);
            byte[] payload = new byte[4 + name.Length + description.Length];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)name.Length);
            name.CopyTo(payload, 4);
            description.CopyTo(payload, 4 + name.Length);
            Reply(NbdWire.OptList, NbdWire.RepServer, payload);
        }
        return Reply(NbdWire.OptList, NbdWire.RepAck);
    }

    private OptionOutcome InfoOrGo(uint option, byte[] data)
    {
        if (!OptionParsers.TryParseInfoRequest(data, out string name, out ushort[] requests))
        {
            return Reply(option, NbdWire.RepErrInvalid, "malformed NBD_OPT_INFO/GO request");
        }
        NbdExport? export = Open(name, transmission: option == NbdWire.OptGo, out uint refusal, out string? error);
        if (export is null)
        {
            return Reply(option, refusal, error ?? $"no export named '{name}'");
        }
        WriteExportInfo(option, export);
        if (requests.Contains(NbdWire.InfoName))
        {
            byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(export.Name)];
            BinaryPrimitives.WriteUInt16BigEndian(payload, NbdWire.InfoName);
            Encoding.UTF8.GetBytes(export.Name, payload.AsSpan(2));
            Reply(option, NbdWire.RepInfo, payload);
        }
        if (requests.Contains(NbdWire.InfoDescription) && export.Description is { } description)
        {
            byte[] payload = new byte[2 + Encoding.UTF8.GetByteCount(description)];
            BinaryPrimitives.WriteUInt16BigEndian(payload, NbdWire.InfoDescription);
            Encoding.UTF8.GetBytes(description, payload.AsSpan(2));
            Reply(option, NbdWire.RepInfo, payload);
        }
        WriteBlockSizeInfo(option, export.Device.Geometry);
        Reply(option, NbdWire.RepAck);
        if (option == NbdWire.OptInfo)
        {
            export.Dispose();
            return OptionOutcome.Continue;
        }
        if (_contexts.ExportName != export.Name)
        {
            _contexts = MetaContextSelection.None; // a selection applies to the export it was made for
        }
        return new OptionOutcome(OptionOutcomeKind.Transmit, export);
    }

    private void WriteExportInfo(uint option, NbdExport export)
    {
        Span<byte> payload = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(payload, NbdWire.InfoExport);
        BinaryPrimitives.WriteUInt64BigEndian(payload[2..], (ulong)export.Device.Size);
        BinaryPrimitives.WriteUInt16BigEndian(payload[10..], TransmissionFlags(export));
        Reply(option, NbdWire.RepInfo, payload);
    }

    private void WriteBlockSizeInfo(uint option, BlockGeometry geometry)
    {
        Span<byte> payload = stackalloc byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(payload, NbdWire.InfoBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(payload[2..], (uint)geometry.MinimumIo);
        BinaryPrimitives.WriteUInt32BigEndian(payload[6..], (uint)geometry.PreferredIo);
        BinaryPrimitives.WriteUInt32BigEndian(payload[10..], (uint)Math.Min(geometry.MaximumIo, _options.MaxPayload));
        Reply(option, NbdWire.RepInfo, payload);
    }

    private OptionOutcome StructuredReply(byte[] data)
    {
        if (data.Length != 0)
        {
            return Reply(NbdWire.OptStructuredReply, NbdWire.RepErrInvalid, "NBD_OPT_STRUCTURED_REPLY takes no data");
        }
        _structuredReplies = true;
        return Reply(NbdWire.OptStructuredReply, NbdWire.RepAck);
    }

    private OptionOutcome MetaContext(uint option, byte[] data)
    {
        bool set = option == NbdWire.OptSetMetaContext;
        if (set)
        {
            _contexts = MetaContextSelection.None; // proto.md: SET replaces the selection even when it fails
        }
        if (!_structuredReplies)
        {
            return Reply(option, NbdWire.RepErrInvalid, "negotiate structured replies first");
        }
        if (!OptionParsers.TryParseMetaContextRequest(data, out string exportName, out string[] queries))
        {
            return Reply(option, NbdWire.RepErrInvalid, "malformed metadata context request");
        }
        NbdExport? export = Open(exportName, transmission: false, out uint refusal, out string? error);
        if (export is null)
        {
            return Reply(option, refusal, error ?? $"no export named '{exportName}'");
        }
        bool depthSupported = (export.Device.Capabilities & DeviceCapabilities.AllocationDepth) != 0;
        string resolvedName = export.Name;
        export.Dispose();

        bool baseAllocation = false;
        bool depth = false;
        foreach (string query in queries.Length == 0 && !set ? ["base:", "qemu:"] : queries)
        {
            baseAllocation |= query == NbdWire.ContextBaseAllocation || (!set && query == "base:");
            depth |= depthSupported && (query == NbdWire.ContextAllocationDepth || (!set && query == "qemu:"));
        }
        if (baseAllocation)
        {
            ReplyContext(option, MetaContextSelection.BaseAllocationId, NbdWire.ContextBaseAllocation);
        }
        if (depth)
        {
            ReplyContext(option, MetaContextSelection.AllocationDepthId, NbdWire.ContextAllocationDepth);
        }
        if (set)
        {
            _contexts = new MetaContextSelection(resolvedName, baseAllocation, depth);
        }
        return Reply(option, NbdWire.RepAck);
    }

    private void ReplyContext(uint option, uint id, string name)
    {
        byte[] payload = new byte[4 + name.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, id);
        Encoding.ASCII.GetBytes(name, payload.AsSpan(4));
        Reply(option, NbdWire.RepMetaContext, payload);
    }

    /// <summary>Resolves and opens an export, asking the gate before and after. For transmission
    /// the connection registers first and asks the gate last, so a revoke of the export that
    /// starts refusing cannot miss it; the registration ends with the export.</summary>
    /// <param name="refusal">The error reply when null is returned: unknown, or refused by policy.</param>
    private NbdExport? Open(string name, bool transmission, out uint refusal, out string? error)
    {
        refusal = NbdWire.RepErrUnknown;
        if (name.Length == 0)
        {
            name = _exports.DefaultExportName;
            if (name.Length == 0)
            {
                error = "this server has no default export; name one";
                return null;
            }
        }
        if (_gate?.Refusal(name) is { } denied)
        {
            refusal = NbdWire.RepErrPolicy;
            error = denied;
            return null;
        }
        NbdExport? export = _exports.TryOpen(name, new ExportUse(_peer, transmission), out error);
        if (export is null)
        {
            return null;
        }
        IDisposable? registration = transmission ? _connections?.Enter(export.Name, Revoke) : null;
        if ((transmission || export.Name != name) && _gate?.Refusal(export.Name) is { } late)
        {
            registration?.Dispose();
            export.Dispose();
            refusal = NbdWire.RepErrPolicy;
            error = late;
            return null;
        }
        return registration is null ? export : new NbdExport(export.Name, export.Device, export.Description, () =>
        {
            registration.Dispose();
            export.Dispose();
        });
    }

    /// <summary>Flags advertised for an export: only what the device reports it can do.</summary>
    private ushort TransmissionFlags(NbdExport export)
    {
        DeviceCapabilities caps = export.Device.Capabilities;
        ushort flags = NbdWire.FlagHasFlags;
        if (export.ReadOnly)
        {
            flags |= NbdWire.FlagReadOnly;
        }
        if ((caps & DeviceCapabilities.Flush) != 0)
        {
            flags |= NbdWire.FlagSendFlush;
        }
        if ((caps & DeviceCapabilities.Fua) != 0)
        {
            flags |= NbdWire.FlagSendFua;
        }
        if ((caps & DeviceCapabilities.Trim) != 0)
        {
            flags |= NbdWire.FlagSendTrim;
        }
        if ((caps & DeviceCapabilities.WriteZeroes) != 0)
        {
            flags |= NbdWire.FlagSendWriteZeroes;
            if ((caps & DeviceCapabilities.FastZero) != 0)
            {
                flags |= NbdWire.FlagSendFastZero;
            }
        }
        if (_structuredReplies)
        {
            flags |= NbdWire.FlagSendDf;
        }
        if ((caps & DeviceCapabilities.MultiConnConsistent) != 0)
        {
            flags |= NbdWire.FlagCanMultiConn;
        }
        if ((caps & DeviceCapabilities.Cache) != 0)
        {
            flags |= NbdWire.FlagSendCache;
        }
        return flags;
    }

    private OptionOutcome Reply(uint option, uint type, string message) =>
        Reply(option, type, Encoding.UTF8.GetBytes(message));

    private OptionOutcome Reply(uint option, uint type) => Reply(option, type, ReadOnlySpan<byte>.Empty);

    private OptionOutcome Reply(uint option, uint type, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = _output.GetSpan(20 + payload.Length);
        BinaryPrimitives.WriteUInt64BigEndian(header, NbdWire.OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], option);
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], type);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], (uint)payload.Length);
        payload.CopyTo(header[20..]);
        _output.Advance(20 + payload.Length);
        return OptionOutcome.Continue;
    }
}
