using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Import parameters (GetParametersForImport's tokens) and the imported-material expiry sweep.</summary>
public sealed partial class SqliteKeyStore
{
    public async Task<bool> SaveImportParametersAsync(ImportParameters parameters, int keepPerKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            INSERT INTO import_parameters (token_id, key_id, wrapping_algorithm, wrapping_key_spec, wrapped_private_key, created_at, valid_to)
            SELECT $token_id, $key_id, $algorithm, $spec, $wrapped, $created_at, $valid_to WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = $key_id);
            """);
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$token_id", parameters.TokenId);
        command.Parameters.AddWithValue("$key_id", parameters.KeyId);
        command.Parameters.AddWithValue("$algorithm", parameters.Algorithm.ToString());
        command.Parameters.AddWithValue("$spec", parameters.WrappingKeySpec.ToString());
        command.Parameters.Add("$wrapped", SqliteType.Blob).Value = parameters.WrappedPrivateKey;
        command.Parameters.AddWithValue("$created_at", parameters.CreatedAt.UtcTicks);
        command.Parameters.AddWithValue("$valid_to", parameters.ValidTo.UtcTicks);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        using var trim = connection.Command("""
            DELETE FROM import_parameters WHERE key_id = $key_id AND token_id NOT IN
              (SELECT token_id FROM import_parameters WHERE key_id = $key_id ORDER BY created_at DESC, token_id LIMIT $keep);
            """);
        trim.Transaction = transaction;
        trim.Parameters.AddWithValue("$key_id", parameters.KeyId);
        trim.Parameters.AddWithValue("$keep", keepPerKey);
        await trim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<ImportParameters?> FindImportParametersAsync(string tokenId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            SELECT key_id, wrapping_algorithm, wrapping_key_spec, wrapped_private_key, created_at, valid_to
            FROM import_parameters WHERE token_id = $token_id;
            """);
        command.Parameters.AddWithValue("$token_id", tokenId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ImportParameters(tokenId, reader.GetString(0), Enum.Parse<WrappingAlgorithm>(reader.GetString(1)),
                Enum.Parse<WrappingKeySpec>(reader.GetString(2)), (byte[])reader.GetValue(3), FromTicks(reader.GetInt64(4)),
                FromTicks(reader.GetInt64(5)))
            : null;
    }

    public async Task<int> DeleteExpiredImportParametersAsync(DateTimeOffset now, TimeSpan keepExpiredFor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var erase = connection.Command("""
            UPDATE import_parameters SET wrapped_private_key = x'' WHERE valid_to <= $now AND length(wrapped_private_key) > 0;
            DELETE FROM import_parameters WHERE valid_to <= $forget;
            """);
        // The private wrapping key goes at once; the token's hash stays a while so a late import hears "expired", not
        // "invalid". Each statement stands alone (both are safe to repeat), so no transaction spans them.
        erase.Parameters.AddWithValue("$now", now.UtcTicks);
        erase.Parameters.AddWithValue("$forget", (now - keepExpiredFor).UtcTicks);
        return await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> KeysWithExpiredMaterialAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        StringsAsync("""
            SELECT DISTINCT key_id FROM key_materials WHERE valid_to IS NOT NULL AND valid_to <= $now AND wrapped IS NOT NULL LIMIT 500;
            """, [("$now", now.UtcTicks)], cancellationToken);

    /// <summary>A token works once: deleting it in the import's transaction makes a second use (even a concurrent one) fail.</summary>
    private static async Task ConsumeImportTokensAsync(SqliteConnection connection, SqliteTransaction transaction, KmsKey key,
        CancellationToken cancellationToken)
    {
        foreach (var tokenId in key.ConsumedImportTokens)
        {
            using var command = connection.Command("DELETE FROM import_parameters WHERE token_id = $token_id AND key_id = $key_id;");
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$token_id", tokenId);
            command.Parameters.AddWithValue("$key_id", key.KeyId);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw KmsErrors.InvalidImportToken("The import token was already used.");
            }
        }
    }
}
