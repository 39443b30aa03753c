using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Small named facts about this node's store (for example the domain key check value).</summary>
public sealed class NodeMeta(SqliteDatabase database)
{
    /// <summary>The key ID a wrapped node secret is bound to (its name, "wrapped:...", is the material ID).</summary>
    public const string WrappedOwner = "node-meta";

    private const string RejoinedAtName = "rejoined-at";

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

    /// <summary>When this Region last announced a rejoin (its store went back), so a restart keeps taking its replicas' views.</summary>
    public async Task<DateTimeOffset?> RejoinedAtAsync(CancellationToken cancellationToken) =>
        await GetAsync(RejoinedAtName, cancellationToken).ConfigureAwait(false) is { Length: 8 } ticks
            ? new DateTimeOffset(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(ticks), TimeSpan.Zero)
            : null;

    public Task NoteRejoinedAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var ticks = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(ticks, at.UtcTicks);
        return SetAsync(RejoinedAtName, ticks, cancellationToken);
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
