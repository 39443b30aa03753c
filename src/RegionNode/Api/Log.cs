namespace Grpc.Mrk.RegionNode.Api;

/// <summary>The API's log events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "{Method} refused: {ErrorCode}: {Message}")]
    public static partial void CallRefused(ILogger logger, string method, string errorCode, string message);

    [LoggerMessage(2, LogLevel.Error, "{Method} failed unexpectedly")]
    public static partial void CallFailed(ILogger logger, string method, Exception exception);
}
