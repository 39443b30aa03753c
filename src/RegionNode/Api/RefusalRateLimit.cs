using System.Collections.Concurrent;
using System.Net;
using Grpc.Mrk.RegionNode.Domain.Quotas;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// How many refusals of one kind (unauthenticated calls, throttled calls) each client address may have recorded one by
/// one: a token bucket per address and kind (10 a second, bursts of 50). Beyond it a refusal is counted instead, and
/// the count is recorded with the address's next recorded refusal, so a flood cannot fill the audit log while nothing
/// goes unsaid. At most 10,000 addresses are tracked; past that the table starts over.
/// </summary>
public sealed class RefusalRateLimit(TimeProvider time)
{
    private const double PerSecond = 10;
    private const double Burst = 50;
    private const int MaxAddresses = 10_000;
    private readonly ConcurrentDictionary<(string Kind, string Address), Bucket> _buckets = new();

    /// <summary>
    /// True when a refusal of <paramref name="kind"/> from <paramref name="address"/> may be recorded now;
    /// <paramref name="suppressed"/> is then how many were counted instead since the last one recorded.
    /// </summary>
    public bool TryRecord(string kind, IPAddress? address, out long suppressed)
    {
        if (_buckets.Count > MaxAddresses)
        {
            _buckets.Clear();
        }

        var bucket = _buckets.GetOrAdd((kind, address?.ToString() ?? "unknown"), _ => new Bucket(new TokenBucket(PerSecond, Burst, time)));
        if (bucket.Tokens.TryTake(out _))
        {
            suppressed = Interlocked.Exchange(ref bucket.Suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref bucket.Suppressed);
        suppressed = 0;
        return false;
    }

    private sealed class Bucket(TokenBucket tokens)
    {
        public long Suppressed;

        public TokenBucket Tokens { get; } = tokens;
    }
}
