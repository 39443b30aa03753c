using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Small named facts about this node's store (for example the domain key check value).</summary>
public sealed class NodeMeta(SqliteDatabase database)
{
    /// <summary>The key ID a wrapped node secret is bound to (its name, "wrapped:...", is the material ID).</summary>
    public const string WrappedOwner = "node-meta";

    public async Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT value FROM node_meta WHERE name = $name;");
        command.Parameters.AddWithValue("$name", name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    public async Task SetAsync(string name, byte[] value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("INSERT INTO node_meta (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;");
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.Add("$value", SqliteType.Blob).Value = value;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("DELETE FROM node_meta WHERE name = $name;");
        command.Parameters.AddWithValue("$name", name);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT COUNT(*) FROM keys;");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
