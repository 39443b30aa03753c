using Grpc.Mrk.Cluster;
using System.Text.Json;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Grants in the Region's SQLite store.</summary>
public sealed class SqliteGrantStore(SqliteDatabase database, ITransactionAudit? audit = null) : IGrantStore
{
    private const string Columns =
        "grant_id, key_id, name, grantee_principal, retiring_principal, issuing_account, operations, context_subset, context_equals, creation_date, "
        + "grantee_id, retiring_id";

    public Task InsertGrantAsync(Grant grant, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command($"INSERT INTO grants ({Columns}) VALUES ($id, $key, $name, $grantee, $retiring, $account, $ops, $subset, $equals, $at, $grantee_id, $retiring_id);");
        command.Transaction = transaction;
        var p = command.Parameters;
        p.AddWithValue("$id", grant.GrantId);
        p.AddWithValue("$key", grant.KeyId);
        p.AddWithValue("$name", grant.Name);
        p.AddWithValue("$grantee", grant.GranteePrincipal);
        p.AddWithValue("$retiring", (object?)grant.RetiringPrincipal ?? DBNull.Value);
        p.AddWithValue("$account", grant.IssuingAccount);
        p.AddWithValue("$ops", JsonSerializer.Serialize(grant.Operations.Select(o => o.ToString()).ToList(), StoreJson.Default.ListString));
        p.AddWithValue("$subset", Map(grant.EncryptionContextSubset));
        p.AddWithValue("$equals", Map(grant.EncryptionContextEquals));
        p.AddWithValue("$at", grant.CreationDate.UtcTicks);
        p.AddWithValue("$grantee_id", (object?)grant.GranteeId ?? DBNull.Value);
        p.AddWithValue("$retiring_id", (object?)grant.RetiringId ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }, cancellationToken);

    public async Task<Grant?> FindGrantAsync(string grantId, CancellationToken cancellationToken) =>
        await QueryAsync("grant_id = $a", grantId, null, null, 1, cancellationToken).ConfigureAwait(false) is [var found, ..] ? found : null;

    public Task<IReadOnlyList<Grant>> ListGrantsAsync(string keyId, string? granteePrincipal, string? afterGrantId, int limit,
        CancellationToken cancellationToken) =>
        QueryAsync("key_id = $a AND ($b IS NULL OR grantee_principal = $b)", keyId, granteePrincipal, afterGrantId, limit, cancellationToken);

    public Task<IReadOnlyList<Grant>> ListRetirableGrantsAsync(string retiringPrincipal, string? afterGrantId, int limit, CancellationToken cancellationToken) =>
        QueryAsync("retiring_principal = $a", retiringPrincipal, null, afterGrantId, limit, cancellationToken);

    public async Task<(int OnKey, int ForGrantee)> CountGrantsAsync(string keyId, string granteePrincipal, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command(
            "SELECT COUNT(*), COALESCE(SUM(grantee_principal = $grantee), 0) FROM grants WHERE key_id = $key;");
        command.Parameters.AddWithValue("$key", keyId);
        command.Parameters.AddWithValue("$grantee", granteePrincipal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    public Task<bool> DeleteGrantAsync(string grantId, ICallRecord? record, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
    {
        using var command = connection.Command("DELETE FROM grants WHERE grant_id = $id;");
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", grantId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }, cancellationToken);

    private async Task<IReadOnlyList<Grant>> QueryAsync(string where, string a, string? b, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command($"SELECT {Columns} FROM grants WHERE {where} AND grant_id > $after ORDER BY grant_id LIMIT $limit;");
        command.Parameters.AddWithValue("$a", a);
        command.Parameters.AddWithValue("$b", (object?)b ?? DBNull.Value);
        command.Parameters.AddWithValue("$after", after ?? string.Empty);
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<Grant>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(Read(reader));
        }

        return result;
    }

    private static Grant Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetString(5),
        (JsonSerializer.Deserialize(reader.GetString(6), StoreJson.Default.ListString) ?? []).Select(Enum.Parse<GrantOperation>).ToList(),
        reader.IsDBNull(7) ? null : JsonSerializer.Deserialize(reader.GetString(7), StoreJson.Default.DictionaryStringString),
        reader.IsDBNull(8) ? null : JsonSerializer.Deserialize(reader.GetString(8), StoreJson.Default.DictionaryStringString),
        new DateTimeOffset(reader.GetInt64(9), TimeSpan.Zero))
    {
        GranteeId = reader.IsDBNull(10) ? null : reader.GetString(10),
        RetiringId = reader.IsDBNull(11) ? null : reader.GetString(11),
    };

    private static object Map(IReadOnlyDictionary<string, string>? map) =>
        map is { Count: > 0 } ? JsonSerializer.Serialize(map.ToDictionary(), StoreJson.Default.DictionaryStringString) : DBNull.Value;
}
