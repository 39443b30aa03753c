namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>
/// One event for the Region's audit log, CloudTrail-shaped. Parameters and response elements hold names, IDs,
/// algorithms and encryption contexts only, never plaintext, ciphertext, data keys or material.
/// </summary>
public sealed record AuditEvent(
    string EventName,
    string EventType,
    string? PrincipalArn,
    string? KeyArn,
    bool ReadOnly,
    IReadOnlyDictionary<string, object?> RequestParameters,
    IReadOnlyDictionary<string, object?>? ResponseElements = null,
    string? ErrorCode = null,
    string? ErrorMessage = null)
{
    /// <summary>Further keys the call used besides <see cref="KeyArn"/> (ReEncrypt's destination, for one).</summary>
    public IReadOnlyList<string> OtherKeyArns { get; init; } = [];

    /// <summary>How the call came: "grpc" or "aws-json" (AWS's JSON protocol); null for events the node raises itself.</summary>
    public string? Protocol { get; init; }

    /// <summary>The ID the call was answered with (x-amzn-RequestId); null for events the node raises itself.</summary>
    public string? RequestId { get; init; }

    public const string ApiCall = "AwsApiCall";
    public const string ServiceEvent = "AwsServiceEvent";

    /// <summary>An event the node raises by itself (replication, maintenance), with no caller.</summary>
    public static AuditEvent Internal(string eventName, string keyArn, IReadOnlyDictionary<string, object?>? parameters = null) =>
        new(eventName, ServiceEvent, null, keyArn, false, parameters ?? new Dictionary<string, object?>());

    /// <summary>A message from another Region that this Region refused because its sender had no right to send it.</summary>
    public static AuditEvent RefusedMessage(string messageKind, string keyArn, string sourceRegion, string reason) =>
        new($"Receive{messageKind}", ServiceEvent, null, keyArn, false,
            new Dictionary<string, object?> { ["sourceRegion"] = sourceRegion, ["messageKind"] = messageKind },
            null, "AccessDeniedException", reason);
}

/// <summary>Where audit events go: the Region's append-only, hash-chained log.</summary>
public interface IAuditSink
{
    /// <summary>Queues the event for the next group commit (crypto calls and internal events); never drops it.</summary>
    void Record(AuditEvent auditEvent);

    /// <summary>
    /// True while the queue holds more than it should (by bytes or by count): new calls are refused (ThrottlingException)
    /// until it drains, so no record of an answered call is ever dropped and memory stays bounded.
    /// </summary>
    bool IsBackedUp { get; }

    /// <summary>Counts a call refused because the queue was backed up (recorded together once it drains, not one by one).</summary>
    void CountThrottled();

    /// <summary>Why the log cannot be written now (its disk is full), or null; the API refuses audited calls meanwhile.</summary>
    string? Unwritable { get; }

    /// <summary>Counts a call refused because the log could not be written; the count is recorded once it can be again.</summary>
    void CountRefusedUnwritable();

    /// <summary>Queues the event and waits until it is durable (management calls).</summary>
    Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken);
}
