namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Replication's log events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(26, LogLevel.Error, "Anti-entropy pass failed; it will run again")]
    public static partial void AntiEntropyFailed(ILogger logger, Exception exception);

    [LoggerMessage(13, LogLevel.Information, "Connected to the ControlPlane at {Address}")]
    public static partial void ControlPlaneConnected(ILogger logger, string address);

    [LoggerMessage(14, LogLevel.Warning, "ControlPlane at {Address} unreachable: {Reason}; retrying")]
    public static partial void ControlPlaneUnreachable(ILogger logger, string address, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Rejected replication envelope {MessageId} from {Source}: {Reason}")]
    public static partial void EnvelopeRejected(ILogger logger, string messageId, string source, string reason);

    [LoggerMessage(16, LogLevel.Information, "Applied {Kind} for key {KeyId} from {Source}")]
    public static partial void ReplicationApplied(ILogger logger, string kind, string keyId, string source);

    [LoggerMessage(17, LogLevel.Information, "Ignored {Kind} for key {KeyId} from {Source}: {Reason}")]
    public static partial void ReplicationIgnored(ILogger logger, string kind, string keyId, string source, string reason);

    [LoggerMessage(18, LogLevel.Information, "Anti-entropy repeated {Count} messages to Regions that had not acknowledged them")]
    public static partial void AntiEntropyRepeated(ILogger logger, int count);

    [LoggerMessage(23, LogLevel.Warning, "Refused {Kind} for key {KeyId} from {Source}: {Reason}")]
    public static partial void ReplicationRefused(ILogger logger, string kind, string keyId, string source, string reason);

    [LoggerMessage(24, LogLevel.Error, "Set aside replication envelope {MessageId} ({Kind}) from {Source} after it failed to apply: {Reason}")]
    public static partial void EnvelopeDeadLettered(ILogger logger, string messageId, string kind, string source, string reason);

    [LoggerMessage(27, LogLevel.Information, "Material sent with message {MessageId} from {Source} was not opened, so the replica asks for it: {Reason}")]
    public static partial void DeliveryNotOpened(ILogger logger, string messageId, string source, string reason);

    [LoggerMessage(28, LogLevel.Warning, "Ignored {Count} transport prekeys from {Source} that are not P-384 keys with an ID and expiry")]
    public static partial void PrekeysRefused(ILogger logger, string source, int count);

    [LoggerMessage(29, LogLevel.Warning, "The relay stream stopped because this Region's store could not write ({Reason}); it starts again once it can")]
    public static partial void LinkStoreFailed(ILogger logger, string reason);

    [LoggerMessage(30, LogLevel.Information, "{Peer} has applied this Region's envelopes up to {LastApplied}: what waits for it is numbered on from there")]
    public static partial void SequenceFloorLearnt(ILogger logger, string peer, ulong lastApplied);
}
