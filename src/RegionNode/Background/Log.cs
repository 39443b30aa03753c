namespace Grpc.Mrk.RegionNode.Background;

/// <summary>The maintenance pass's and the audit self-check's log events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(5, LogLevel.Information, "Deleted key {KeyId}: its waiting period ended")]
    public static partial void KeyDeleted(ILogger logger, string keyId);

    [LoggerMessage(6, LogLevel.Information, "Rotated key {KeyId} on its automatic schedule")]
    public static partial void KeyRotated(ILogger logger, string keyId);

    [LoggerMessage(7, LogLevel.Error, "Key maintenance pass failed; it will run again")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(22, LogLevel.Warning, "Imported key material of key {KeyId} reached its ValidTo and was deleted; the key is pending import in this Region")]
    public static partial void ImportedMaterialExpired(ILogger logger, string keyId);

    [LoggerMessage(30, LogLevel.Information, "Audit log verified: {Records} records and {Digests} signed digests intact")]
    public static partial void AuditLogVerified(ILogger logger, long records, long digests);

    [LoggerMessage(31, LogLevel.Error, "Audit log broken at record {Sequence}: {Problem}")]
    public static partial void AuditLogBroken(ILogger logger, long sequence, string problem);

    [LoggerMessage(32, LogLevel.Warning, "Audit log check could not run; it will run again")]
    public static partial void AuditCheckFailed(ILogger logger, Exception exception);
}
