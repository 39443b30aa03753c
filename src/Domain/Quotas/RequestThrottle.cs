using System.Collections.Concurrent;
using System.Collections.Frozen;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// Enforces the request quotas of <see cref="RequestQuotaCatalog"/> with one token bucket per quota and calling account,
/// as AWS does: a request over its quota is refused with ThrottlingException, changes nothing, and says when to try
/// again. The node's own work (replication, maintenance) draws on no quota.
/// </summary>
public sealed class RequestThrottle
{
    /// <summary>The key actions that draw on the shared cryptographic quota of the key's type.</summary>
    private static readonly FrozenSet<string> CryptographicActions = new[]
    {
        "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
        "kms:GenerateMac", "kms:VerifyMac", "kms:Sign", "kms:Verify", "kms:DeriveSharedSecret",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenDictionary<RequestQuota, Limit>? _limits;

    public RequestThrottle(RequestQuotaSettings settings, TimeProvider time)
    {
        var known = RequestQuotaCatalog.All.ToDictionary(q => q.Setting, StringComparer.OrdinalIgnoreCase);
        foreach (var (setting, rate) in settings.Rates)
        {
            if (!known.ContainsKey(setting))
            {
                throw new ArgumentException($"'{setting}' is not a request quota (known: {string.Join(", ", known.Keys.Order(StringComparer.Ordinal))}).");
            }

            if (!(rate > 0) || double.IsInfinity(rate))
            {
                throw new ArgumentException($"The request quota {setting} must be a number of requests per second above 0, not {rate}.");
            }
        }

        if (!settings.Enabled)
        {
            return;
        }

        var rates = new Dictionary<string, double>(settings.Rates, StringComparer.OrdinalIgnoreCase);
        _limits = RequestQuotaCatalog.All.ToFrozenDictionary(q => q, q =>
            new Limit(q with { PerSecond = rates.TryGetValue(q.Setting, out var rate) ? rate : q.PerSecond }, time), SameInstance.Comparer);
    }

    public bool Enabled => _limits is not null;

    /// <summary>The quotas in force, with their rates.</summary>
    public IEnumerable<RequestQuota> Quotas => _limits?.Values.Select(l => l.Quota) ?? [];

    /// <summary>Takes one request from <paramref name="quota"/> for the caller's account, or refuses the call.</summary>
    public void Charge(Caller caller, RequestQuota quota)
    {
        if (_limits is null || caller.Type == CallerType.System)
        {
            return;
        }

        if (!_limits[quota].BucketOf(caller.PrincipalArn).TryTake(out var wait))
        {
            throw KmsErrors.Throttled(wait);
        }
    }

    /// <summary>A cryptographic use of a key draws on the shared quota of the key's type; other actions pass.</summary>
    public void ChargeKeyUse(Caller caller, string action, KeySpec spec)
    {
        if (_limits is not null && CryptographicActions.Contains(action))
        {
            Charge(caller, RequestQuotaCatalog.CryptographicFor(spec));
        }
    }

    /// <summary>
    /// The catalogue's quotas are looked up by instance: a record's own equality would hash its strings on every call.
    /// </summary>
    private sealed class SameInstance : IEqualityComparer<RequestQuota>
    {
        public static readonly SameInstance Comparer = new();

        public bool Equals(RequestQuota? x, RequestQuota? y) => ReferenceEquals(x, y);

        public int GetHashCode(RequestQuota obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }

    /// <summary>One quota's buckets, one per calling account.</summary>
    private sealed class Limit(RequestQuota quota, TimeProvider time)
    {
        private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

        public RequestQuota Quota { get; } = quota;

        public TokenBucket BucketOf(string principalArn)
        {
            var lookup = _buckets.GetAlternateLookup<ReadOnlySpan<char>>();
            var account = AccountOf(principalArn);
            return lookup.TryGetValue(account, out var bucket)
                ? bucket
                : _buckets.GetOrAdd(account.ToString(), _ => new TokenBucket(Quota.PerSecond, Quota.Burst, time));
        }

        /// <summary>The account field of an ARN (arn:partition:service:region:account:resource); the whole text if it is not one.</summary>
        private static ReadOnlySpan<char> AccountOf(string arn)
        {
            var rest = arn.AsSpan();
            for (var field = 0; field < 4; field++)
            {
                var colon = rest.IndexOf(':');
                if (colon < 0)
                {
                    return arn;
                }

                rest = rest[(colon + 1)..];
            }

            var end = rest.IndexOf(':');
            return end < 0 ? arn : rest[..end];
        }
    }
}
