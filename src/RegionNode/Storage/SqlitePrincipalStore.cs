using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Principals and API keys in the Region's SQLite store.</summary>
public sealed class SqlitePrincipalStore(SqliteDatabase database, ITransactionAudit? audit = null) : IPrincipalStore
{
    public async Task<Principal?> FindPrincipalAsync(string arn, CancellationToken cancellationToken) =>
        (await PrincipalsAsync("SELECT arn, name, type, created_at, principal_id FROM principals WHERE arn = $arn;", arn, cancellationToken).ConfigureAwait(false))
        is [var found, ..] ? found : null;

    public Task<bool> InsertPrincipalAsync(Principal principal, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("INSERT INTO principals (arn, name, type, created_at, principal_id) VALUES ($arn, $name, $type, $at, $id) ON CONFLICT (arn) DO NOTHING;");
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", principal.PrincipalId);
        command.Parameters.AddWithValue("$arn", principal.Arn);
        command.Parameters.AddWithValue("$name", principal.Name);
        command.Parameters.AddWithValue("$type", principal.Type.ToString());
        command.Parameters.AddWithValue("$at", principal.CreatedAt.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    public Task<IReadOnlyList<Principal>> ListPrincipalsAsync(CancellationToken cancellationToken) =>
        PrincipalsAsync("SELECT arn, name, type, created_at, principal_id FROM principals WHERE $arn IS NOT NULL ORDER BY arn;", string.Empty, cancellationToken);

    public Task<bool> DeletePrincipalAsync(string arn, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var revoke = connection.Command("""
            UPDATE api_keys SET revoked_at = $now WHERE principal_arn = $arn AND revoked_at IS NULL;
            UPDATE access_keys SET revoked_at = $now WHERE principal_arn = $arn AND revoked_at IS NULL;
            """);
        revoke.Transaction = transaction;
        revoke.Parameters.AddWithValue("$arn", arn);
        revoke.Parameters.AddWithValue("$now", now.UtcTicks);
        await revoke.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM principals WHERE arn = $arn;");
        delete.Transaction = transaction;
        delete.Parameters.AddWithValue("$arn", arn);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    public Task InsertApiKeyAsync(ApiKey key, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("""
            INSERT INTO api_keys (key_id, principal_arn, salt, secret_hash, created_at, revoked_at) VALUES ($id, $arn, $salt, $hash, $at, NULL);
            """);
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", key.KeyId);
        command.Parameters.AddWithValue("$arn", key.PrincipalArn);
        command.Parameters.AddWithValue("$salt", key.Salt);
        command.Parameters.AddWithValue("$hash", key.SecretHash);
        command.Parameters.AddWithValue("$at", key.CreatedAt.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public async Task<ApiKey?> FindApiKeyAsync(string keyId, CancellationToken cancellationToken) =>
        (await ApiKeysAsync("key_id = $value", keyId, cancellationToken).ConfigureAwait(false)) is [var found, ..] ? found : null;

    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(string principalArn, CancellationToken cancellationToken) =>
        ApiKeysAsync("principal_arn = $value", principalArn, cancellationToken);

    public Task<bool> RevokeApiKeyAsync(string keyId, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("UPDATE api_keys SET revoked_at = coalesce(revoked_at, $now) WHERE key_id = $id;");
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", keyId);
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    public Task InsertAccessKeyAsync(AccessKey key, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("""
            INSERT INTO access_keys (access_key_id, principal_arn, wrapped_secret, created_at, revoked_at) VALUES ($id, $arn, $secret, $at, NULL);
            """);
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", key.AccessKeyId);
        command.Parameters.AddWithValue("$arn", key.PrincipalArn);
        command.Parameters.AddWithValue("$secret", key.WrappedSecret);
        command.Parameters.AddWithValue("$at", key.CreatedAt.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public async Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken) =>
        (await AccessKeysAsync("access_key_id = $value", accessKeyId, cancellationToken).ConfigureAwait(false)) is [var found, ..] ? found : null;

    public Task<IReadOnlyList<AccessKey>> ListAccessKeysAsync(string principalArn, CancellationToken cancellationToken) =>
        AccessKeysAsync("principal_arn = $value", principalArn, cancellationToken);

    public Task<bool> RevokeAccessKeyAsync(string accessKeyId, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("UPDATE access_keys SET revoked_at = coalesce(revoked_at, $now) WHERE access_key_id = $id;");
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", accessKeyId);
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    private async Task<IReadOnlyList<AccessKey>> AccessKeysAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command($"SELECT access_key_id, principal_arn, wrapped_secret, created_at, revoked_at FROM access_keys WHERE {where} ORDER BY created_at;");
        command.Parameters.AddWithValue("$value", value);
        var result = new List<AccessKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new AccessKey(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                reader.IsDBNull(4) ? null : new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero)));
        }

        return result;
    }

    private async Task<IReadOnlyList<Principal>> PrincipalsAsync(string sql, string arn, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command(sql);
        command.Parameters.AddWithValue("$arn", arn);
        var result = new List<Principal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new Principal(reader.GetString(0), reader.GetString(1), Enum.Parse<PrincipalType>(reader.GetString(2)),
                new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero), reader.GetString(4)));
        }

        return result;
    }

    private async Task<IReadOnlyList<ApiKey>> ApiKeysAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command($"SELECT key_id, principal_arn, salt, secret_hash, created_at, revoked_at FROM api_keys WHERE {where} ORDER BY created_at;");
        command.Parameters.AddWithValue("$value", value);
        var result = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ApiKey(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero),
                reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero)));
        }

        return result;
    }
}
