using Grpc.Mrk.Cluster;
using System.Text.Json;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// A store written by the previous version (schema 10) upgraded in place: principals get unique IDs, existing key
/// policies and grants are bound to the principals that hold the names they use, and the audit list filter reads the
/// event name from the hashed record.
/// </summary>
public sealed class StoreUpgradeTests : IDisposable
{
    private const string Alice = "arn:aws:iam::111122223333:user/alice";
    private const string Ops = "arn:aws:iam::111122223333:role/ops";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mrk-upgrade-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task SchemaTenStore_MigratedInPlace_BindsWhatItHolds()
    {
        var path = Path.Combine(_directory.FullName, "region.db");
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            var assembly = typeof(SqliteDatabase).Assembly;
            const string prefix = "Grpc.Mrk.RegionNode.Storage.Migrations.";
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                         .Where(n => int.Parse(n[prefix.Length..][..4], System.Globalization.CultureInfo.InvariantCulture) <= 10))
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                await ExecuteAsync(connection, await reader.ReadToEndAsync());
            }

            await ExecuteAsync(connection, $$"""
                PRAGMA user_version = 10;
                INSERT INTO principals (arn, name, type, created_at) VALUES ('{{Alice}}', 'alice', 'User', 1), ('{{Ops}}', 'ops', 'Role', 1);
                INSERT INTO keys (key_id, creation_date, key_spec, key_usage, origin, key_state, description, policy, tags, rotation_enabled, multi_region)
                VALUES ('k1', 1, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'AWS_KMS', 'Enabled', '',
                        '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"{{Alice}}"},"Action":"kms:*","Resource":"*"}]}', '[]', 0, 0);
                INSERT INTO grants (grant_id, key_id, name, grantee_principal, retiring_principal, issuing_account, operations, creation_date)
                VALUES ('g1', 'k1', '', '{{Ops}}', '{{Alice}}', '111122223333', '["Decrypt"]', 1),
                       ('g2', 'k1', '', 'arn:aws:iam::111122223333:user/gone', NULL, '111122223333', '["Decrypt"]', 1);
                INSERT INTO audit_records (sequence, event_name, json, hash) VALUES (1, 'Decrypt', '{"eventName":"Decrypt"}', x'00');
                """);
        }

        using var database = new SqliteDatabase(path);
        var applied = await database.MigrateAsync(CancellationToken.None);
        Assert.Equal(applied, applied.Where(n => string.CompareOrdinal(n, "0011") >= 0));
        Assert.Subset(applied.ToHashSet(), new HashSet<string> { "0011_principal_ids.sql", "0012_audit_event_name_from_record.sql", "0013_grant_principal_ids.sql" });

        await using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        await check.OpenAsync();
        var ids = new Dictionary<string, string>();
        await foreach (var (arn, id) in RowsAsync(check, "SELECT arn, principal_id FROM principals;"))
        {
            ids[arn] = id;
        }

        Assert.StartsWith("AIDA", ids[Alice], StringComparison.Ordinal);
        Assert.StartsWith("AROA", ids[Ops], StringComparison.Ordinal);
        var bound = JsonSerializer.Deserialize<Dictionary<string, string>>(await ScalarAsync(check, "SELECT policy_principals FROM keys WHERE key_id = 'k1';"))!;
        Assert.Equal(ids[Alice], bound[Alice]);
        Assert.Single(bound);
        Assert.Equal(ids[Ops], await ScalarAsync(check, "SELECT grantee_id FROM grants WHERE grant_id = 'g1';"));
        Assert.Equal(ids[Alice], await ScalarAsync(check, "SELECT retiring_id FROM grants WHERE grant_id = 'g1';"));
        Assert.Equal(string.Empty, await ScalarAsync(check, "SELECT coalesce(grantee_id, '') FROM grants WHERE grant_id = 'g2';"));
        Assert.Equal("Decrypt", await ScalarAsync(check, "SELECT event_name FROM audit_records WHERE sequence = 1;"));
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async IAsyncEnumerable<(string, string)> RowsAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return (reader.GetString(0), reader.GetString(1));
        }
    }
}
