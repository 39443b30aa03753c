using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Counts of what the Region's store holds, for its metrics: keys by state, spec and multi-Region role, and per
/// destination the relay outbox's depth and the time its oldest envelope was queued. Two grouped reads; nothing is
/// read per key. Also the Region's multi-Region keys in brief, for the ControlPlane's console.
/// </summary>
public sealed class StoreCensus(SqliteDatabase database, Domain.Model.RegionIdentity region)
{
    private long _keyWrites;

    /// <summary>
    /// How many writes to keys have ended (<see cref="SqliteKeyStore.KeyWritten"/>): a reader that saw the same count
    /// before its last read knows the keys have not changed since, and need not read them again.
    /// </summary>
    public long KeyWrites => Interlocked.Read(ref _keyWrites);

    public void NoteKeyWritten(string keyId) => Interlocked.Increment(ref _keyWrites);

    public sealed record KeyCount(string State, string Spec, string Role, long Count);

    public sealed record OutboxCount(string Destination, long Depth, DateTimeOffset Oldest);

    public sealed record Snapshot(IReadOnlyList<KeyCount> Keys, IReadOnlyList<OutboxCount> Outbox)
    {
        public static readonly Snapshot Empty = new([], []);
    }

    public async Task<Snapshot> TakeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<KeyCount>();
        using (var command = connection.Command("""
                   SELECT key_state, key_spec,
                          CASE WHEN multi_region = 0 THEN 'none' WHEN primary_region = $region THEN 'primary' ELSE 'replica' END,
                          count(*)
                   FROM keys GROUP BY 1, 2, 3;
                   """))
        {
            command.Parameters.AddWithValue("$region", region.Region);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(new KeyCount(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
            }
        }

        var outbox = new List<OutboxCount>();
        using (var command = connection.Command("SELECT destination, count(*), min(created_at) FROM outbox GROUP BY destination;"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                outbox.Add(new OutboxCount(reader.GetString(0), reader.GetInt64(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero)));
            }
        }

        return new Snapshot(keys, outbox);
    }

    /// <summary>One multi-Region key as this Region holds it: state, set, version of the shared state, current material.</summary>
    public sealed record MultiRegionKey(string KeyId, string State, string PrimaryRegion, IReadOnlyList<string> ReplicaRegions, long Epoch,
        long SyncVersion, string CurrentMaterialId);

    /// <summary>The first <paramref name="limit"/> multi-Region keys by key ID, and whether there are more.</summary>
    public async Task<(IReadOnlyList<MultiRegionKey> Keys, bool Truncated)> MultiRegionKeysAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            SELECT k.key_id, k.key_state, k.primary_region, k.replica_regions, k.mr_epoch, k.mr_sync_version,
                   (SELECT m.material_id FROM key_materials m WHERE m.key_id = k.key_id AND m.state = 'CURRENT' LIMIT 1)
            FROM keys k WHERE k.multi_region = 1 ORDER BY k.key_id LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$limit", limit + 1);
        var keys = new List<MultiRegionKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new MultiRegionKey(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? string.Empty : reader.GetString(2),
                reader.IsDBNull(3) ? [] : System.Text.Json.JsonSerializer.Deserialize(reader.GetString(3), StoreJson.Default.ListString) ?? [],
                reader.IsDBNull(4) ? 0 : reader.GetInt64(4), reader.IsDBNull(5) ? 0 : reader.GetInt64(5), reader.IsDBNull(6) ? string.Empty : reader.GetString(6)));
        }

        return keys.Count > limit ? (keys[..limit], true) : (keys, false);
    }
}
