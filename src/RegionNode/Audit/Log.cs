namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The audit log's events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(20, LogLevel.Error, "Audit log write of {Count} records failed")]
    public static partial void AuditWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(21, LogLevel.Error, "The audit record of {EventName} arrived after shutdown closed the audit queue; it was not written")]
    public static partial void AuditQueueFull(ILogger logger, string eventName);
}
