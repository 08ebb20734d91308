using Microsoft.Extensions.Logging;

namespace NbdServer.Connection;

internal static partial class LoggerExtensions
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Peer}: command {Command} failed unexpectedly")]
    public static partial void LogOperationFailure(this ILogger logger, string peer, ushort command, Exception exception);
}
