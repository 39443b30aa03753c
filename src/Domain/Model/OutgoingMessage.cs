namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// A message for another Region that must leave if, and only if, the key change it belongs to is stored: the store
/// writes it to the outbox in the same transaction. <see cref="Kind"/> names the payload's message type;
/// <see cref="MessageId"/> is set when the sender must know it in advance (a key request binds it into the transport).
/// </summary>
public sealed record OutgoingMessage(string DestinationRegion, string KeyId, string Kind, byte[] Payload, string? MessageId = null)
{
    /// <summary>
    /// The material versions of <see cref="KeyId"/> to send with this message, sealed for the destination as it leaves
    /// (by ID only: the outbox never holds material); null for none. Sent without them when the destination has no
    /// prekey to seal them with: it then asks for them.
    /// </summary>
    public IReadOnlyList<string>? Deliver { get; init; }

    /// <summary>The trace context of the call that queued this message (W3C traceparent), or empty: it travels with the message.</summary>
    public string TraceParent { get; init; } = string.Empty;
}
