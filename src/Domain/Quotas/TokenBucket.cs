namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// A token bucket: it holds at most <see cref="Capacity"/> tokens, gains <see cref="PerSecond"/> a second, and each
/// request takes one. Time is read from <see cref="TimeProvider"/> timestamps, so a test's clock moves it.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _at;

    public TokenBucket(double perSecond, double capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        PerSecond = perSecond;
        Capacity = capacity;
        _time = time;
        _tokens = capacity;
        _at = time.GetTimestamp();
    }

    public double PerSecond { get; }

    public double Capacity { get; }

    /// <summary>Takes a token when there is one; otherwise <paramref name="wait"/> is how long until there will be.</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(Capacity, _tokens + (_time.GetElapsedTime(_at, now).TotalSeconds * PerSecond));
            _at = now;
            // Within rounding of a whole token is a whole token: a caller who waits exactly the time it was told must be served.
            if (_tokens >= 1 - 1e-9)
            {
                _tokens = Math.Max(0, _tokens - 1);
                wait = TimeSpan.Zero;
                return true;
            }

            wait = TimeSpan.FromTicks((long)Math.Ceiling((1 - _tokens) / PerSecond * TimeSpan.TicksPerSecond));
            return false;
        }
    }
}
