using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Counts of what the Region's store holds, for its metrics: keys by state, spec and multi-Region role, and per
/// destination the relay outbox's depth and the time its oldest envelope was queued. Two grouped reads; nothing is
/// read per key.
/// </summary>
public sealed class StoreCensus(SqliteDatabase database, Domain.Model.RegionIdentity region)
{
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
}
