namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>The node's log catalogue. No message here ever carries plaintext, data keys or key material.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "{Method} refused: {ErrorCode}: {Message}")]
    public static partial void CallRefused(ILogger logger, string method, string errorCode, string message);

    [LoggerMessage(2, LogLevel.Error, "{Method} failed unexpectedly")]
    public static partial void CallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Region {Region} store {Path} ready; migrations applied: {Migrations}")]
    public static partial void StoreReady(ILogger logger, string region, string path, string migrations);

    [LoggerMessage(4, LogLevel.Warning, "Created a new domain key at {Path}: back it up; without it this Region's keys cannot be read")]
    public static partial void DomainKeyCreated(ILogger logger, string path);

    [LoggerMessage(5, LogLevel.Information, "Deleted key {KeyId}: its waiting period ended")]
    public static partial void KeyDeleted(ILogger logger, string keyId);

    [LoggerMessage(6, LogLevel.Information, "Rotated key {KeyId} on its automatic schedule")]
    public static partial void KeyRotated(ILogger logger, string keyId);

    [LoggerMessage(7, LogLevel.Error, "Key maintenance pass failed; it will run again")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "TEST MODE: the TestClock service is served; time in this process can be moved forward")]
    public static partial void TestModeOn(ILogger logger);

    [LoggerMessage(9, LogLevel.Warning, "Test clock advanced by {Seconds} s; now {Now:o}")]
    public static partial void ClockAdvanced(ILogger logger, long seconds, DateTimeOffset now);


    [LoggerMessage(11, LogLevel.Warning, "Rotated the domain key at {Path}: {Count} material versions re-wrapped; back up the new key")]
    public static partial void DomainKeyRotated(ILogger logger, string path, int count);

    [LoggerMessage(12, LogLevel.Warning, "Finished an interrupted domain-key rotation: {Path} now holds the new key")]
    public static partial void DomainKeyRotationFinished(ILogger logger, string path);

    [LoggerMessage(25, LogLevel.Warning, "Removed {Path}, left by a domain-key rotation that stopped before the store changed; the store stays under its key")]
    public static partial void DomainKeyRotationAbandoned(ILogger logger, string path);

    [LoggerMessage(13, LogLevel.Information, "Connected to the ControlPlane at {Address}")]
    public static partial void ControlPlaneConnected(ILogger logger, string address);

    [LoggerMessage(14, LogLevel.Warning, "ControlPlane at {Address} unreachable: {Reason}; retrying")]
    public static partial void ControlPlaneUnreachable(ILogger logger, string address, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Rejected replication envelope {MessageId} from {Source}: {Reason}")]
    public static partial void EnvelopeRejected(ILogger logger, string messageId, string source, string reason);

    // SynchronizeMultiRegionKey and the other cross-Region events, until the audit log records them.
    [LoggerMessage(16, LogLevel.Information, "Applied {Kind} for key {KeyId} from {Source}")]
    public static partial void ReplicationApplied(ILogger logger, string kind, string keyId, string source);

    [LoggerMessage(17, LogLevel.Information, "Ignored {Kind} for key {KeyId} from {Source}: {Reason}")]
    public static partial void ReplicationIgnored(ILogger logger, string kind, string keyId, string source, string reason);

    [LoggerMessage(18, LogLevel.Information, "Anti-entropy repeated {Count} messages to Regions that had not acknowledged them")]
    public static partial void AntiEntropyRepeated(ILogger logger, int count);

    [LoggerMessage(19, LogLevel.Warning,
        "INSECURE: calls without credentials are accepted as the account's root principal and anyone may administer principals. For a local cluster on this machine only.")]
    public static partial void InsecureAnonymousOn(ILogger logger);

    [LoggerMessage(20, LogLevel.Error, "Audit log write of {Count} records failed")]
    public static partial void AuditWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(21, LogLevel.Error, "The audit record of {EventName} arrived after shutdown closed the audit queue; it was not written")]
    public static partial void AuditQueueFull(ILogger logger, string eventName);

    [LoggerMessage(22, LogLevel.Warning, "Imported key material of key {KeyId} reached its ValidTo and was deleted; the key is pending import in this Region")]
    public static partial void ImportedMaterialExpired(ILogger logger, string keyId);

    [LoggerMessage(23, LogLevel.Warning, "Refused {Kind} for key {KeyId} from {Source}: {Reason}")]
    public static partial void ReplicationRefused(ILogger logger, string kind, string keyId, string source, string reason);

    [LoggerMessage(24, LogLevel.Error, "Set aside replication envelope {MessageId} ({Kind}) from {Source} after it failed to apply: {Reason}")]
    public static partial void EnvelopeDeadLettered(ILogger logger, string messageId, string kind, string source, string reason);
}
