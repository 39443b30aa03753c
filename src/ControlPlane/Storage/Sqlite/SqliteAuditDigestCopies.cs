using System.Security.Cryptography;
using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.ControlPlane.Storage.Sqlite;

/// <summary>The copies of each Region's audit digests in the single ControlPlane's own file (rules: <see cref="IAuditDigestCopies"/>).</summary>
public sealed class SqliteAuditDigestCopies(SqliteRelayQueue database) : IAuditDigestCopies
{
    /// <summary>Stores the digests; returns the highest sequence now held for the Region, or the reason they were refused.</summary>
    public async Task<(long UpTo, string? Refusal)> StoreAsync(string region, byte[] publicKey, IReadOnlyList<DigestCopy> digests,
        CancellationToken cancellationToken)
    {
        if (DigestChecks.Refusal(region, publicKey, digests) is { } refusal)
        {
            return (0, refusal);
        }

        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var pinned = await PinnedKeyAsync(connection, transaction, region, cancellationToken).ConfigureAwait(false);
        if (pinned is null)
        {
            await ExecuteAsync(connection, transaction, "INSERT INTO audit_keys (region, public_key) VALUES ($r, $k);", cancellationToken,
                ("$r", region), ("$k", publicKey)).ConfigureAwait(false);
        }
        else if (!CryptographicOperations.FixedTimeEquals(pinned, publicKey))
        {
            return (0, DigestChecks.OtherKey);
        }

        foreach (var digest in digests)
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO audit_digests (region, sequence, hash, created_at, signature) VALUES ($r, $s, $h, $at, $sig)
                ON CONFLICT (region, sequence) DO NOTHING;
                """, cancellationToken, ("$r", region), ("$s", digest.Sequence), ("$h", digest.Hash), ("$at", digest.CreatedAt.UtcTicks),
                ("$sig", digest.Signature)).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, """
            DELETE FROM audit_digests WHERE region = $r AND sequence <
              (SELECT sequence FROM audit_digests WHERE region = $r ORDER BY sequence DESC LIMIT 1 OFFSET $kept);
            """, cancellationToken, ("$r", region), ("$kept", IAuditDigestCopies.KeptPerRegion - 1)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (digests.Count == 0 ? 0 : digests.Max(d => d.Sequence), null);
    }

    /// <summary>The Region's digests after <paramref name="afterSequence"/>, oldest first, and the key they verify with.</summary>
    public async Task<(byte[]? PublicKey, IReadOnlyList<DigestCopy> Digests)> ListAsync(string region, long afterSequence, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var key = await PinnedKeyAsync(connection, null, region, cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            SELECT sequence, hash, created_at, signature FROM audit_digests WHERE region = $r AND sequence > $after ORDER BY sequence LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$r", region);
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$limit", limit);
        var digests = new List<DigestCopy>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            digests.Add(new DigestCopy(reader.GetInt64(0), (byte[])reader.GetValue(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero),
                (byte[])reader.GetValue(3)));
        }

        return (key, digests);
    }

    private static async Task<byte[]?> PinnedKeyAsync(SqliteConnection connection, SqliteTransaction? transaction, string region,
        CancellationToken cancellationToken)
    {
        using var command = connection.Command("SELECT public_key FROM audit_keys WHERE region = $r;");
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$r", region);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        using var command = connection.Command(sql);
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
