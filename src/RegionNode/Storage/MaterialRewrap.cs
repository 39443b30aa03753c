using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Re-wraps every secret stored under the domain key (material versions, the private wrapping keys of unused import
/// tokens, wrapped node secrets such as the audit signing key, access key secrets) in one transaction: all under the new
/// domain key, or none.
/// </summary>
public sealed class MaterialRewrap(SqliteDatabase database)
{
    /// <summary>
    /// One kind of wrapped secret: a query returning (row id, owner key ID, name the blob is bound to, blob) and the
    /// update that stores a new blob for a row id.
    /// </summary>
    private sealed record WrappedSecrets(string Select, string Update);

    private static readonly WrappedSecrets Materials = new(
        "SELECT rowid, key_id, material_id, wrapped FROM key_materials WHERE wrapped IS NOT NULL;",
        "UPDATE key_materials SET wrapped = $blob WHERE rowid = $row;");

    private static readonly WrappedSecrets ImportKeys = new(
        $"SELECT rowid, key_id, '{Domain.Model.ImportParameters.ProtectionLabel(string.Empty)}' || token_id, wrapped_private_key FROM import_parameters WHERE length(wrapped_private_key) > 0;",
        "UPDATE import_parameters SET wrapped_private_key = $blob WHERE rowid = $row;");

    private static readonly WrappedSecrets NodeSecrets = new(
        $"SELECT rowid, '{NodeMeta.WrappedOwner}', name, value FROM node_meta WHERE name LIKE 'wrapped:%';",
        "UPDATE node_meta SET value = $blob WHERE rowid = $row;");

    private static readonly WrappedSecrets AccessKeySecrets = new(
        $"SELECT rowid, '{Domain.Model.AccessKey.ProtectionOwner}', access_key_id, wrapped_secret FROM access_keys;",
        "UPDATE access_keys SET wrapped_secret = $blob WHERE rowid = $row;");

    /// <summary>Applies <paramref name="rewrap"/> to every wrapped blob and writes the new check value; returns the material versions re-wrapped.</summary>
    public async Task<int> RunAsync(Func<string, string, byte[], byte[]> rewrap, string checkName, byte[] newCheckValue,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var materials = await RewrapAsync(connection, transaction, Materials, rewrap, cancellationToken).ConfigureAwait(false);
        await RewrapAsync(connection, transaction, ImportKeys, rewrap, cancellationToken).ConfigureAwait(false);
        await RewrapAsync(connection, transaction, NodeSecrets, rewrap, cancellationToken).ConfigureAwait(false);
        await RewrapAsync(connection, transaction, AccessKeySecrets, rewrap, cancellationToken).ConfigureAwait(false);

        using (var check = connection.Command("UPDATE node_meta SET value = $value WHERE name = $name;"))
        {
            check.Transaction = transaction;
            check.Parameters.Add("$value", SqliteType.Blob).Value = newCheckValue;
            check.Parameters.AddWithValue("$name", checkName);
            await check.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        using var checkpoint = connection.Command("PRAGMA wal_checkpoint(TRUNCATE);");
        await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return materials;
    }

    private static async Task<int> RewrapAsync(SqliteConnection connection, SqliteTransaction transaction, WrappedSecrets secrets,
        Func<string, string, byte[], byte[]> rewrap, CancellationToken cancellationToken)
    {
        var rows = new List<(long Row, string Owner, string Name, byte[] Blob)>();
        using (var select = connection.Command(secrets.Select))
        {
            select.Transaction = transaction;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3)));
            }
        }

        foreach (var (row, owner, name, blob) in rows)
        {
            using var update = connection.Command(secrets.Update);
            update.Transaction = transaction;
            update.Parameters.Add("$blob", SqliteType.Blob).Value = rewrap(owner, name, blob);
            update.Parameters.AddWithValue("$row", row);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }
}
