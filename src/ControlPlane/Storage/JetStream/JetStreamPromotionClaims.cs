using System.Text;
using NATS.Client.KeyValueStore;

namespace Grpc.Mrk.ControlPlane.Storage.JetStream;

/// <summary>
/// Break-glass claims in a bucket of the replicated log: a claim is a create of its key, which the log grants to one
/// writer only, whichever replica each claimant asked.
/// </summary>
public sealed class JetStreamPromotionClaims(RelayLog log) : IPromotionClaims
{
    public async Task<string> ClaimAsync(string keyId, long fromEpoch, string region, CancellationToken cancellationToken)
    {
        var bucket = log.Bucket(RelayLog.ClaimsBucket);
        // Key IDs are the callers' text: hex keeps the log's key alphabet whatever they hold.
        var key = $"{Convert.ToHexString(Encoding.UTF8.GetBytes(keyId))}.{fromEpoch}";
        var created = await RelayLogRetry.RunAsync(token => bucket.TryCreateAsync(key, Encoding.UTF8.GetBytes(region), cancellationToken: token), cancellationToken)
            .ConfigureAwait(false);
        if (created.Success)
        {
            return region;
        }

        if (created.Error is not NatsKVCreateException)
        {
            throw created.Error;
        }

        var holder = await RelayLogRetry.RunAsync(token => bucket.GetEntryAsync<byte[]>(key, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(holder.Value ?? []);
    }
}
