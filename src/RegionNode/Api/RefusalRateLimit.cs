using System.Collections.Concurrent;
using System.Net;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// How many refusals of unauthenticated calls each client address may have recorded one by one: a token bucket per
/// address (10 a second, bursts of 50). Beyond it a refusal is counted instead, and the count is recorded with the
/// address's next recorded refusal, so a flood of anonymous calls cannot fill the audit log while nothing goes unsaid.
/// At most 10,000 addresses are tracked; past that the table starts over.
/// </summary>
public sealed class RefusalRateLimit(TimeProvider time)
{
    private const double PerSecond = 10;
    private const double Burst = 50;
    private const int MaxAddresses = 10_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>
    /// True when a refusal from <paramref name="address"/> may be recorded now; <paramref name="suppressed"/> is then
    /// how many were counted instead since the last one recorded.
    /// </summary>
    public bool TryRecord(IPAddress? address, out long suppressed)
    {
        if (_buckets.Count > MaxAddresses)
        {
            _buckets.Clear();
        }

        var bucket = _buckets.GetOrAdd(address?.ToString() ?? "unknown", _ => new Bucket(Burst, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + (time.GetElapsedTime(bucket.At, now).TotalSeconds * PerSecond));
            bucket.At = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                suppressed = bucket.Suppressed;
                bucket.Suppressed = 0;
                return true;
            }

            bucket.Suppressed++;
            suppressed = 0;
            return false;
        }
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens { get; set; } = tokens;

        public long At { get; set; } = at;

        public long Suppressed { get; set; }
    }
}
