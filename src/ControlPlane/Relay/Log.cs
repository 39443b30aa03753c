namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>The ControlPlane's log catalogue. It handles only wrapped payloads; no message logs a payload.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "{Method} refused for {Remote}: {Reason}")]
    public static partial void PeerRefused(ILogger logger, string method, string remote, string reason);

    [LoggerMessage(2, LogLevel.Information, "Region {Region} connected")]
    public static partial void RegionConnected(ILogger logger, string region);

    [LoggerMessage(3, LogLevel.Information, "Region {Region} disconnected")]
    public static partial void RegionDisconnected(ILogger logger, string region);

    [LoggerMessage(4, LogLevel.Warning, "Dropped envelope {MessageId} from {Region}: {Reason}")]
    public static partial void EnvelopeRefused(ILogger logger, string messageId, string region, string reason);

    [LoggerMessage(5, LogLevel.Information, "ControlPlane relay store {Store} ready; Regions: {Regions}")]
    public static partial void Ready(ILogger logger, string store, string regions);

    [LoggerMessage(6, LogLevel.Warning, "Refused audit digests from {Region}: {Reason}")]
    public static partial void AuditDigestsRefused(ILogger logger, string region, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Dropped a key census of {Count} keys from {Region}: outside the protocol's bounds")]
    public static partial void CensusRefused(ILogger logger, string region, int count);

    [LoggerMessage(8, LogLevel.Warning, "Dropped {Count} audit briefs from {Region}: outside the protocol's bounds")]
    public static partial void AuditBriefsRefused(ILogger logger, string region, int count);

    [LoggerMessage(9, LogLevel.Information, "Warmed up the code of {Types} relay message types in {Milliseconds:0} ms")]
    public static partial void WarmedUp(ILogger logger, int types, double milliseconds);

    [LoggerMessage(10, LogLevel.Warning, "ControlPlane replica {Replica} cannot reach the relay log: {Reason}")]
    public static partial void RelayLogUnreachable(ILogger logger, string replica, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Delivery to {Region} paused: {Reason}")]
    public static partial void DeliveryPaused(ILogger logger, string region, string reason);
}
