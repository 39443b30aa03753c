namespace Grpc.Mrk.ControlPlane.Storage;

/// <summary>
/// The durable per-destination queue of envelopes: an envelope is durable before it is acknowledged to its sender, is
/// delivered in the order it was stored, and leaves only when its destination acknowledges it.
/// </summary>
public interface IRelayQueue
{
    /// <summary>What holds the queue, for the start-up line and the status ("sqlite:&lt;path&gt;", "nats:&lt;servers&gt;").</summary>
    string Describe { get; }

    /// <summary>Creates or updates what the queue needs (tables, streams) before the first stream is served.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Stores an envelope once (a resend of the same message ID is a no-op) and returns when it is durable: true when it was new.</summary>
    Task<bool> EnqueueAsync(string messageId, string source, string destination, byte[] envelope, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> envelopes for a destination after queue position <paramref name="afterSeq"/>, in order.</summary>
    Task<IReadOnlyList<(long Seq, byte[] Envelope)>> PendingAsync(string destination, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>Removes an envelope its destination acknowledged; an acknowledgement for another destination removes nothing.</summary>
    Task AcknowledgeAsync(string destination, string messageId, CancellationToken cancellationToken);

    /// <summary>Per destination: how many envelopes wait and since when the oldest does.</summary>
    Task<Dictionary<string, (long Depth, DateTimeOffset Oldest)>> DepthsAsync(CancellationToken cancellationToken);
}
