using System.Net;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Dns;

internal static partial class DnsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "service-group DNS for {Zone} listening on {EndPoint} (UDP and TCP)")]
    public static partial void LogListening(this ILogger log, string zone, EndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "the endpoint directory failed or gave a snapshot that cannot be read; answering SERVFAIL")]
    public static partial void LogDirectoryFailed(this ILogger log, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "DNS request from {Peer} failed unexpectedly; the server goes on")]
    public static partial void LogRequestBug(this ILogger log, string peer, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS over UDP: {Reason}")]
    public static partial void LogUdpTrouble(this ILogger log, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS over TCP: {Peer} refused, {Max} connections are open")]
    public static partial void LogTcpFull(this ILogger log, string peer, int max);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DNS over TCP: {Peer} closed ({Reason})")]
    public static partial void LogTcpClosed(this ILogger log, string peer, string reason);
}
