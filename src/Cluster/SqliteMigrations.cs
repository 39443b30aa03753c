using System.Reflection;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Numbered SQL migrations embedded as resources (NNNN_name.sql), applied in order, each in its own transaction,
/// tracked by PRAGMA user_version. Also switches the file to WAL.
/// </summary>
public static class SqliteMigrations
{
    public static async Task<IReadOnlyList<string>> ApplyAsync(SqliteConnection connection, Assembly assembly, string resourcePrefix,
        CancellationToken cancellationToken)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long current;
        using (var version = connection.CreateCommand())
        {
            version.CommandText = "PRAGMA user_version;";
            current = Convert.ToInt64(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        var applied = new List<string>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(resourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var name = resource[resourcePrefix.Length..];
            var number = int.Parse(name[..4], System.Globalization.CultureInfo.InvariantCulture);
            if (number <= current)
            {
                continue;
            }

            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var sql = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = $"{sql}\nPRAGMA user_version = {number};";
            await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            applied.Add(name);
        }

        return applied;
    }
}
