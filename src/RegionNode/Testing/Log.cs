namespace Grpc.Mrk.RegionNode.Testing;

/// <summary>Test mode's log events. No message here ever carries plaintext, data keys or key material; event IDs are unique across the node.</summary>
internal static partial class Log
{
    [LoggerMessage(9, LogLevel.Warning, "Test clock advanced by {Seconds} s; now {Now:o}")]
    public static partial void ClockAdvanced(ILogger logger, long seconds, DateTimeOffset now);
}
