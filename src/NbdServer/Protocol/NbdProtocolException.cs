using System.Diagnostics.CodeAnalysis;

namespace NbdServer.Protocol;

/// <summary>How a peer broke the protocol. Any of these closes that one connection.</summary>
public enum ProtocolViolation
{
    BadOptionMagic,
    BadRequestMagic,
    UnknownClientFlags,
    OptionTooLarge,
    PayloadTooLarge,
    UnknownExportOnExportName,
    TruncatedMessage,
    HandshakeTimeout,
    ExportRefusedOnExportName,
}

/// <summary>The peer broke the protocol; the connection closes, the server goes on.</summary>
public sealed class NbdProtocolException(ProtocolViolation violation, string detail)
    : Exception($"{violation}: {detail}")
{
    public ProtocolViolation Violation { get; } = violation;

    [DoesNotReturn]
    public static void Throw(ProtocolViolation violation, string detail) => throw new NbdProtocolException(violation, detail);
}
