using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Re-wraps every stored material version and wrapped node secret in one transaction: all under the new domain key, or none.</summary>
public sealed class MaterialRewrap(SqliteDatabase database)
{
    /// <summary>Applies <paramref name="rewrap"/> to every wrapped blob and writes the new check value; returns the count.</summary>
    public async Task<int> RunAsync(Func<string, string, byte[], byte[]> rewrap, string checkName, byte[] newCheckValue,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string KeyId, string MaterialId, byte[] Wrapped)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT key_id, material_id, wrapped FROM key_materials WHERE wrapped IS NOT NULL;";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2)));
            }
        }

        foreach (var (keyId, materialId, wrapped) in rows)
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE key_materials SET wrapped = $wrapped WHERE key_id = $key AND material_id = $material;";
            update.Parameters.Add("$wrapped", SqliteType.Blob).Value = rewrap(keyId, materialId, wrapped);
            update.Parameters.AddWithValue("$key", keyId);
            update.Parameters.AddWithValue("$material", materialId);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Private wrapping keys of unused import tokens.
        var importKeys = new List<(string TokenId, string KeyId, byte[] Wrapped)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT token_id, key_id, wrapped_private_key FROM import_parameters;";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                importKeys.Add((reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2)));
            }
        }

        foreach (var (tokenId, keyId, wrapped) in importKeys)
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE import_parameters SET wrapped_private_key = $wrapped WHERE token_id = $token;";
            update.Parameters.Add("$wrapped", SqliteType.Blob).Value = rewrap(keyId, Domain.Model.ImportParameters.ProtectionLabel(tokenId), wrapped);
            update.Parameters.AddWithValue("$token", tokenId);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Other secrets kept wrapped under the domain key (node_meta rows named "wrapped:..."), such as the audit signing key.
        var wrappedMeta = new List<(string Name, byte[] Value)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT name, value FROM node_meta WHERE name LIKE 'wrapped:%';";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                wrappedMeta.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
            }
        }

        foreach (var (name, value) in wrappedMeta)
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE node_meta SET value = $value WHERE name = $name;";
            update.Parameters.Add("$value", SqliteType.Blob).Value = rewrap(NodeMeta.WrappedOwner, name, value);
            update.Parameters.AddWithValue("$name", name);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = "UPDATE node_meta SET value = $value WHERE name = $name;";
            check.Parameters.Add("$value", SqliteType.Blob).Value = newCheckValue;
            check.Parameters.AddWithValue("$name", checkName);
            await check.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await checkpoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }
}
