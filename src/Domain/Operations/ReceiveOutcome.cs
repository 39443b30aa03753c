namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// What became of one message from another Region: applied; ignored for a benign reason (a repeat, a message that
/// arrived after the key was deleted); or refused because the sender had no right to send it, which is a security
/// event: logged as a warning and audited, and it changes nothing.
/// </summary>
public sealed record ReceiveOutcome(bool Applied, bool Refused, string? Reason)
{
    public static ReceiveOutcome Done { get; } = new(true, false, null);

    public static ReceiveOutcome Ignore(string reason) => new(false, false, reason);

    public static ReceiveOutcome Refuse(string reason) => new(false, true, reason);
}
