using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.ControlPlane.Storage.Sqlite;

/// <summary>
/// Break-glass promotions granted, one Region per key set and epoch: the first claim is kept for good, so two replicas
/// promoted at once can never both take over a set. The ControlPlane sees no key: only the ID and the epoch.
/// </summary>
public sealed class SqlitePromotionClaims(SqliteRelayQueue database, TimeProvider time) : IPromotionClaims
{
    /// <summary>Records the claim unless one exists; returns the Region holding the claim (the caller when granted).</summary>
    public async Task<string> ClaimAsync(string keyId, long fromEpoch, string region, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            INSERT INTO promotion_claims (key_id, from_epoch, region, claimed_at) VALUES ($key, $epoch, $region, $at)
            ON CONFLICT (key_id, from_epoch) DO NOTHING;
            SELECT region FROM promotion_claims WHERE key_id = $key AND from_epoch = $epoch;
            """);
        command.Parameters.AddWithValue("$key", keyId);
        command.Parameters.AddWithValue("$epoch", fromEpoch);
        command.Parameters.AddWithValue("$region", region);
        command.Parameters.AddWithValue("$at", time.GetUtcNow().UtcTicks);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
