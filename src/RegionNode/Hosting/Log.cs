namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>The node's startup and domain-key log events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(3, LogLevel.Information, "Region {Region} store {Path} ready; migrations applied: {Migrations}")]
    public static partial void StoreReady(ILogger logger, string region, string path, string migrations);

    [LoggerMessage(4, LogLevel.Warning, "Created a new domain key at {Path}: back it up; without it this Region's keys cannot be read")]
    public static partial void DomainKeyCreated(ILogger logger, string path);

    [LoggerMessage(8, LogLevel.Warning, "TEST MODE: the TestClock service is served; time in this process can be moved forward")]
    public static partial void TestModeOn(ILogger logger);

    [LoggerMessage(11, LogLevel.Warning, "Rotated the domain key at {Path}: {Count} material versions re-wrapped; back up the new key")]
    public static partial void DomainKeyRotated(ILogger logger, string path, int count);

    [LoggerMessage(12, LogLevel.Warning, "Finished an interrupted domain-key rotation: {Path} now holds the new key")]
    public static partial void DomainKeyRotationFinished(ILogger logger, string path);

    [LoggerMessage(19, LogLevel.Warning,
        "INSECURE: calls without credentials are accepted as the account's root principal and anyone may administer principals. For a local cluster on this machine only.")]
    public static partial void InsecureAnonymousOn(ILogger logger);

    [LoggerMessage(29, LogLevel.Information, "Cryptographic self-test passed in {Milliseconds:0} ms: known answers, signing keys, ciphertext and transport round trips")]
    public static partial void CryptoSelfTestPassed(ILogger logger, double milliseconds);

    [LoggerMessage(25, LogLevel.Warning, "Removed {Path}, left by a domain-key rotation that stopped before the store changed; the store stays under its key")]
    public static partial void DomainKeyRotationAbandoned(ILogger logger, string path);

    [LoggerMessage(33, LogLevel.Information, "Warmed up {Steps} code paths in {Milliseconds:0} ms (protobuf messages, key metadata, replication payloads, envelope signatures)")]
    public static partial void WarmedUp(ILogger logger, int steps, double milliseconds);

    [LoggerMessage(34, LogLevel.Warning, "Warm-up step {Step} failed, the node serves without it: {Reason}")]
    public static partial void WarmUpStepFailed(ILogger logger, string step, string reason);

    [LoggerMessage(35, LogLevel.Warning, "Started on a restored store (backup {BackupId}): told the other Regions to send what changed since ({Regions})")]
    public static partial void RejoinAnnounced(ILogger logger, string backupId, string regions);

    [LoggerMessage(36, LogLevel.Warning, "Started on a store prepared by rebuild: asked the other Regions where this Region's sequences stand; nothing else leaves for them until they answer")]
    public static partial void RebuiltStoreAsksPeers(ILogger logger);
}
