using Grpc.Mrk.Cluster;
using System.Text.Json;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>The Region's keys, material versions and aliases in SQLite. Every write is one transaction.</summary>
public sealed partial class SqliteKeyStore(SqliteDatabase database, RegionIdentity region, TimeProvider time, IEnvelopeBuilder? envelopes = null,
    ITransactionAudit? audit = null, int keyCacheCapacity = SqliteKeyStore.DefaultKeyCacheCapacity) : IKeyStore
{
    /// <summary>Keys whose stored rows are kept in memory (material stays wrapped there).</summary>
    public const int DefaultKeyCacheCapacity = 4096;

    private readonly KeyRowCache _cache = new(keyCacheCapacity);

    /// <summary>Reads of a key's rows that the cache answered, and those that went to the store.</summary>
    public (long Hits, long Misses) CacheLookups => _cache.Lookups;

    /// <summary>Raised after every write to a key (committed or not), with its key ID.</summary>
    public event Action<string>? KeyWritten;

    private const string KeyColumns = """
        key_id, creation_date, key_spec, key_usage, origin, key_state, description, policy, tags, deletion_date,
        pending_window_days, rotation_enabled, rotation_period_days, next_rotation_date, on_demand_rotation_start,
        multi_region, primary_region, replica_regions, mr_epoch, mr_sync_version, state_before_update, mr_progress, mr_next_sync,
        mr_hand_offs, policy_principals
        """;

    public async Task<KmsKey?> FindKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(keyId, out var cached))
        {
            return BuildKey(cached);
        }

        var generation = _cache.Generation;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command($"SELECT {KeyColumns} FROM keys WHERE key_id = $id;");
        command.Parameters.AddWithValue("$id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var keyRow = Values(reader);
        await reader.CloseAsync().ConfigureAwait(false);
        var rows = new KeyRowCache.Rows(keyRow, await ReadMaterialRowsAsync(connection, keyId, cancellationToken).ConfigureAwait(false));
        _cache.Put(keyId, rows, generation);
        return BuildKey(rows);
    }

    public Task InsertKeyAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability,
        CancellationToken cancellationToken) =>
        WritingAsync(key.KeyId, () => InsertKeyCoreAsync(key, outgoing, record, durability, cancellationToken));

    public Task UpdateKeyAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability,
        CancellationToken cancellationToken) =>
        WritingAsync(key.KeyId, () => UpdateKeyCoreAsync(key, outgoing, record, durability, cancellationToken));

    public Task DeleteKeyAsync(string keyId, KeyTombstone? tombstone, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record,
        WriteDurability durability, CancellationToken cancellationToken) =>
        WritingAsync(keyId, () => DeleteKeyCoreAsync(keyId, tombstone, outgoing, record, durability, cancellationToken));

    private async Task InsertKeyCoreAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability,
        CancellationToken cancellationToken)
    {
        using var audited = audit is null ? null : await audit.ReserveAsync(record, key, created: true, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenForWriteAsync(durability, cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (var command = connection.Command($"""
                INSERT INTO keys ({KeyColumns}) VALUES ($key_id, $creation_date, $key_spec, $key_usage, $origin, $key_state,
                  $description, $policy, $tags, $deletion_date, $pending_window_days, $rotation_enabled, $rotation_period_days,
                  $next_rotation_date, $on_demand_rotation_start, $multi_region, $primary_region, $replica_regions, $mr_epoch,
                  $mr_sync_version, $state_before_update, $mr_progress, $mr_next_sync, $mr_hand_offs, $policy_principals);
                DELETE FROM key_tombstones WHERE key_id = $key_id;
                """))
        {
            command.Transaction = transaction;
            BindKey(command, key);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await UpsertMaterialsAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        await QueueAsync(connection, transaction, outgoing, cancellationToken).ConfigureAwait(false);
        await AuditedTransaction.WriteAsync(audited, connection, transaction, cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        audited?.Committed();
        Queued(outgoing);
    }

    private async Task UpdateKeyCoreAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability,
        CancellationToken cancellationToken)
    {
        using var audited = audit is null ? null : await audit.ReserveAsync(record, key, created: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenForWriteAsync(durability, cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (var command = connection.Command("""
                UPDATE keys SET key_state = $key_state, description = $description, policy = $policy, tags = $tags,
                  deletion_date = $deletion_date, pending_window_days = $pending_window_days, rotation_enabled = $rotation_enabled,
                  rotation_period_days = $rotation_period_days, next_rotation_date = $next_rotation_date,
                  on_demand_rotation_start = $on_demand_rotation_start, primary_region = $primary_region,
                  replica_regions = $replica_regions, mr_epoch = $mr_epoch, mr_sync_version = $mr_sync_version,
                  state_before_update = $state_before_update, mr_progress = $mr_progress, mr_next_sync = $mr_next_sync,
                  mr_hand_offs = $mr_hand_offs, policy_principals = $policy_principals
                WHERE key_id = $key_id;
                """))
        {
            command.Transaction = transaction;
            BindKey(command, key);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException($"key {key.KeyId} vanished during an update");
            }
        }

        await UpsertMaterialsAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        await ConsumeImportTokensAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        await QueueAsync(connection, transaction, outgoing, cancellationToken).ConfigureAwait(false);
        await AuditedTransaction.WriteAsync(audited, connection, transaction, cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        audited?.Committed();
        Queued(outgoing);
    }

    public Task DeleteKeyAsync(string keyId, CancellationToken cancellationToken) => DeleteKeyAsync(keyId, null, [], null, WriteDurability.Immediate, cancellationToken);

    private async Task DeleteKeyCoreAsync(string keyId, KeyTombstone? tombstone, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record,
        WriteDurability durability, CancellationToken cancellationToken)
    {
        using var audited = audit is null ? null : await audit.ReserveAsync(record, null, created: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenForWriteAsync(durability, cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sql in new[]
                 {
                     "DELETE FROM aliases WHERE target_key_id = $id;",
                     "DELETE FROM key_materials WHERE key_id = $id;",
                     "DELETE FROM import_parameters WHERE key_id = $id;",
                     "DELETE FROM key_last_usage WHERE key_id = $id;",
                     "DELETE FROM keys WHERE key_id = $id;",
                 })
        {
            using var command = connection.Command(sql);
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$id", keyId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (tombstone is not null)
        {
            using var command = connection.Command("""
                INSERT INTO key_tombstones (key_id, primary_region, epoch, sync_version, deleted_at) VALUES ($id, $p, $e, $s, $at)
                ON CONFLICT (key_id) DO UPDATE SET primary_region = excluded.primary_region, epoch = excluded.epoch,
                  sync_version = excluded.sync_version, deleted_at = excluded.deleted_at;
                """);
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$id", keyId);
            command.Parameters.AddWithValue("$p", tombstone.PrimaryRegion);
            command.Parameters.AddWithValue("$e", tombstone.Epoch);
            command.Parameters.AddWithValue("$s", tombstone.SyncVersion);
            command.Parameters.AddWithValue("$at", tombstone.DeletedAt.UtcTicks);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await QueueAsync(connection, transaction, outgoing, cancellationToken).ConfigureAwait(false);
        await AuditedTransaction.WriteAsync(audited, connection, transaction, cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        audited?.Committed();
        Queued(outgoing);

        // Deleted material must not linger in free pages or the WAL: overwrite what was freed, then truncate the WAL.
        using var scrub = connection.Command("PRAGMA wal_checkpoint(TRUNCATE);");
        await scrub.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> MultiRegionKeysRelatedToAsync(string region, string? afterKeyId, int limit, CancellationToken cancellationToken) =>
        StringsAsync("""
            SELECT key_id FROM keys WHERE multi_region = 1 AND key_id > $after
              AND (primary_region = $region OR EXISTS (SELECT 1 FROM json_each(keys.replica_regions) WHERE value = $region))
            ORDER BY key_id LIMIT $limit;
            """, [("$region", region), ("$after", afterKeyId ?? string.Empty), ("$limit", limit)], cancellationToken);

    public Task<IReadOnlyList<string>> PrimaryKeysAsync(string region, string? afterKeyId, int limit, CancellationToken cancellationToken) =>
        StringsAsync("SELECT key_id FROM keys WHERE multi_region = 1 AND primary_region = $region AND key_id > $after ORDER BY key_id LIMIT $limit;",
            [("$region", region), ("$after", afterKeyId ?? string.Empty), ("$limit", limit)], cancellationToken);

    public Task<IReadOnlyList<string>> ListKeyIdsAsync(string? afterKeyId, int limit, CancellationToken cancellationToken) =>
        StringsAsync("SELECT key_id FROM keys WHERE key_id > $after ORDER BY key_id LIMIT $limit;",
            [("$after", afterKeyId ?? string.Empty), ("$limit", limit)], cancellationToken);

    public Task<IReadOnlyList<string>> KeysDueForDeletionAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        StringsAsync("SELECT key_id FROM keys WHERE deletion_date IS NOT NULL AND deletion_date <= $now ORDER BY deletion_date LIMIT 500;",
            [("$now", now.UtcTicks)], cancellationToken);

    public Task<IReadOnlyList<string>> KeysDueForRotationAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        StringsAsync("""
            SELECT key_id FROM keys WHERE next_rotation_date IS NOT NULL AND next_rotation_date <= $now AND key_state = 'Enabled'
            ORDER BY next_rotation_date LIMIT 500;
            """, [("$now", now.UtcTicks)], cancellationToken);

    public Task<int> CountKeysAsync(CancellationToken cancellationToken) => CountAsync("SELECT COUNT(*) FROM keys;", cancellationToken);

    public Task<int> CountAliasesAsync(CancellationToken cancellationToken) => CountAsync("SELECT COUNT(*) FROM aliases;", cancellationToken);

    /// <summary>The node_meta entry that holds when this store began recording key uses (UTC ticks, 8 bytes little-endian).</summary>
    public const string UsageTrackingStartName = "key-usage-tracking-start";

    public async Task<KeyLastUsage?> FindLastUsageAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT operation, used_at, event_id, request_id FROM key_last_usage WHERE key_id = $id;");
        command.Parameters.AddWithValue("$id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new KeyLastUsage(reader.GetString(0), FromTicks(reader.GetInt64(1)), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    public async Task<DateTimeOffset?> UsageTrackingStartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT value FROM node_meta WHERE name = $name;");
        command.Parameters.AddWithValue("$name", UsageTrackingStartName);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] { Length: 8 } ticks
            ? FromTicks(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(ticks))
            : null;
    }

    private async Task<int> CountAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command(sql);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<KeyTombstone?> FindTombstoneAsync(string keyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT primary_region, epoch, sync_version, deleted_at FROM key_tombstones WHERE key_id = $id;");
        command.Parameters.AddWithValue("$id", keyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new KeyTombstone(keyId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), FromTicks(reader.GetInt64(3)))
            : null;
    }

    public Task<IReadOnlyList<string>> KeysDueForSyncAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        StringsAsync("SELECT key_id FROM keys WHERE mr_next_sync IS NOT NULL AND mr_next_sync <= $now ORDER BY mr_next_sync LIMIT 500;",
            [("$now", now.UtcTicks)], cancellationToken);

    public async Task<Alias?> FindAliasAsync(string aliasName, CancellationToken cancellationToken)
    {
        var found = await AliasesAsync("SELECT alias_name, target_key_id, creation_date, last_updated_date FROM aliases WHERE alias_name = $name;",
            [("$name", aliasName)], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task InsertAliasAsync(Alias alias, ICallRecord? record, CancellationToken cancellationToken) =>
        ExecuteAsync(record, "INSERT INTO aliases (alias_name, target_key_id, creation_date, last_updated_date) VALUES ($name, $target, $created, $updated);",
            AliasParameters(alias), cancellationToken);

    public Task UpdateAliasAsync(Alias alias, ICallRecord? record, CancellationToken cancellationToken) =>
        ExecuteAsync(record, "UPDATE aliases SET target_key_id = $target, last_updated_date = $updated WHERE alias_name = $name;",
            AliasParameters(alias), cancellationToken);

    public Task DeleteAliasAsync(string aliasName, ICallRecord? record, CancellationToken cancellationToken) =>
        ExecuteAsync(record, "DELETE FROM aliases WHERE alias_name = $name;", [("$name", aliasName)], cancellationToken);

    public Task<IReadOnlyList<Alias>> ListAliasesAsync(string? targetKeyId, string? afterAliasName, int limit, CancellationToken cancellationToken) =>
        AliasesAsync("""
            SELECT alias_name, target_key_id, creation_date, last_updated_date FROM aliases
            WHERE alias_name > $after AND ($target IS NULL OR target_key_id = $target)
            ORDER BY alias_name LIMIT $limit;
            """, [("$after", afterAliasName ?? string.Empty), ("$target", (object?)targetKeyId ?? DBNull.Value), ("$limit", limit)],
            cancellationToken);

    /// <summary>Raised after a commit that queued messages for other Regions.</summary>
    public event Action? MessagesQueued;

    private async Task QueueAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<OutgoingMessage> outgoing,
        CancellationToken cancellationToken)
    {
        if (outgoing.Count == 0)
        {
            return;
        }

        if (envelopes is null)
        {
            throw new InvalidOperationException("This Region is not linked to a ControlPlane; it cannot send messages to other Regions.");
        }

        var now = time.GetUtcNow();
        foreach (var message in outgoing)
        {
            await RelayStore.EnqueueAsync(connection, transaction, message.DestinationRegion, sequence => envelopes.Build(message, sequence, now),
                message.Deliver, now, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Queued(IReadOnlyList<OutgoingMessage> outgoing)
    {
        if (outgoing.Count > 0)
        {
            MessagesQueued?.Invoke();
        }
    }

    private static (string, object)[] AliasParameters(Alias alias) =>
    [
        ("$name", alias.AliasName), ("$target", alias.TargetKeyId), ("$created", alias.CreationDate.UtcTicks),
        ("$updated", alias.LastUpdatedDate.UtcTicks),
    ];

    /// <summary>One audited write (alias changes): the statement and the call's audit record in one transaction.</summary>
    private Task<int> ExecuteAsync(ICallRecord? record, string sql, (string Name, object Value)[] parameters, CancellationToken cancellationToken) =>
        AuditedTransaction.RunAsync(database, audit, record, async (connection, transaction) =>
        {
            using var command = connection.Command(sql);
            command.Transaction = transaction;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private async Task<IReadOnlyList<string>> StringsAsync(string sql, (string Name, object Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private async Task<IReadOnlyList<Alias>> AliasesAsync(string sql, (string Name, object Value)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = new List<Alias>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new Alias(reader.GetString(0), reader.GetString(1), FromTicks(reader.GetInt64(2)), FromTicks(reader.GetInt64(3))));
        }

        return result;
    }

    private static async Task UpsertMaterialsAsync(SqliteConnection connection, SqliteTransaction transaction, KmsKey key,
        CancellationToken cancellationToken)
    {
        // Versions the key no longer lists (imported material deleted before it was rotated in) go with the change.
        using (var prune = connection.Command("DELETE FROM key_materials WHERE key_id = $key_id AND material_id NOT IN (SELECT value FROM json_each($ids));"))
        {
            prune.Transaction = transaction;
            prune.Parameters.AddWithValue("$key_id", key.KeyId);
            prune.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(key.Materials.Select(m => m.MaterialId)));
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var material in key.Materials)
        {
            using var command = connection.Command("""
                INSERT INTO key_materials (key_id, material_id, ordinal, created_at, rotation_type, state, wrapped, expiration_model,
                  valid_to, import_description)
                VALUES ($key_id, $material_id, $ordinal, $created_at, $rotation_type, $state, $wrapped, $expiration_model, $valid_to,
                  $import_description)
                ON CONFLICT (key_id, material_id) DO UPDATE SET created_at = excluded.created_at, rotation_type = excluded.rotation_type,
                  state = excluded.state, wrapped = excluded.wrapped, expiration_model = excluded.expiration_model,
                  valid_to = excluded.valid_to, import_description = excluded.import_description;
                """);
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$key_id", key.KeyId);
            command.Parameters.AddWithValue("$material_id", material.MaterialId);
            command.Parameters.AddWithValue("$ordinal", material.Ordinal);
            command.Parameters.AddWithValue("$created_at", material.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$rotation_type", (object?)material.RotationType?.ToString() ?? DBNull.Value);
            command.Parameters.AddWithValue("$state", material.State.ToString());
            command.Parameters.Add("$wrapped", SqliteType.Blob).Value = (object?)material.WrappedMaterial ?? DBNull.Value;
            command.Parameters.AddWithValue("$expiration_model", (object?)material.Import?.ExpirationModel?.ToString() ?? DBNull.Value);
            command.Parameters.AddWithValue("$valid_to", (object?)material.Import?.ValidTo?.UtcTicks ?? DBNull.Value);
            command.Parameters.AddWithValue("$import_description", (object?)material.Import?.Description ?? DBNull.Value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyList<object[]>> ReadMaterialRowsAsync(SqliteConnection connection, string keyId,
        CancellationToken cancellationToken)
    {
        using var command = connection.Command("""
            SELECT material_id, ordinal, created_at, rotation_type, state, wrapped, expiration_model, valid_to, import_description
            FROM key_materials WHERE key_id = $id ORDER BY ordinal;
            """);
        command.Parameters.AddWithValue("$id", keyId);
        var rows = new List<object[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Values(reader));
        }

        return rows;
    }

    private static object[] Values(SqliteDataReader reader)
    {
        var values = new object[reader.FieldCount];
        reader.GetValues(values);
        return values;
    }

    private static KeyMaterialVersion BuildMaterial(object[] row) => new(
        (string)row[0],
        checked((int)(long)row[1]),
        FromTicks((long)row[2]),
        row[3] is string rotationType ? Enum.Parse<RotationType>(rotationType) : null,
        Enum.Parse<KeyMaterialState>((string)row[4]),
        row[5] is byte[] wrapped ? (byte[])wrapped.Clone() : null,
        row[8] is string importDescription
            ? new ImportDetails(
                row[6] is string expirationModel ? Enum.Parse<ExpirationModel>(expirationModel) : null,
                row[7] is long validTo ? FromTicks(validTo) : null,
                importDescription)
            : null);

    /// <summary>Fresh domain objects from stored rows (columns in <see cref="KeyColumns"/> order).</summary>
    private KmsKey BuildKey(KeyRowCache.Rows rows)
    {
        var row = rows.Key;
        var keyId = (string)row[0];
        var tags = JsonSerializer.Deserialize((string)row[8], StoreJson.Default.ListTag) ?? [];
        MultiRegionInfo? multiRegion = null;
        if ((long)row[15] != 0)
        {
            var replicas = JsonSerializer.Deserialize((string)row[17], StoreJson.Default.ListString) ?? [];
            var progress = row[21] is string progressJson
                ? JsonSerializer.Deserialize(progressJson, StoreJson.Default.DictionaryStringStoredReplicaProgress)?
                    .Select(p => KeyValuePair.Create(p.Key, p.Value.ToModel()))
                : null;
            var handOffs = row[23] is string handOffsJson ? JsonSerializer.Deserialize(handOffsJson, StoreJson.Default.ListHandOff) : null;
            multiRegion = new MultiRegionInfo((string)row[16], replicas, (long)row[18], (long)row[19], progress, handOffs);
        }

        var key = new KmsKey(keyId, region.KeyArn(keyId), FromTicks((long)row[1]), Enum.Parse<KeySpec>((string)row[2]),
            Enum.Parse<KeyUsage>((string)row[3]), Enum.Parse<KeyOrigin>((string)row[4]), Enum.Parse<KeyState>((string)row[5]),
            (string)row[6], (string)row[7], tags, multiRegion, [.. rows.Materials.Select(BuildMaterial)]);
        key.Restore(NullableTicks(row[9]), row[10] is long pendingWindow ? checked((int)pendingWindow) : null, (long)row[11] != 0,
            row[12] is long rotationPeriod ? checked((int)rotationPeriod) : null, NullableTicks(row[13]), NullableTicks(row[14]),
            row[20] is string before ? Enum.Parse<KeyState>(before) : null);
        return key.WithPolicyPrincipals(JsonSerializer.Deserialize((string)row[24], StoreJson.Default.DictionaryStringString) ?? []);
    }

    private static void BindKey(SqliteCommand command, KmsKey key)
    {
        var p = command.Parameters;
        p.AddWithValue("$key_id", key.KeyId);
        p.AddWithValue("$creation_date", key.CreationDate.UtcTicks);
        p.AddWithValue("$key_spec", key.KeySpec.ToString());
        p.AddWithValue("$key_usage", key.KeyUsage.ToString());
        p.AddWithValue("$origin", key.Origin.ToString());
        p.AddWithValue("$key_state", key.State.ToString());
        p.AddWithValue("$description", key.Description);
        p.AddWithValue("$policy", key.Policy);
        p.AddWithValue("$policy_principals", JsonSerializer.Serialize(key.PolicyPrincipals.ToDictionary(), StoreJson.Default.DictionaryStringString));
        p.AddWithValue("$tags", JsonSerializer.Serialize(key.Tags.ToList(), StoreJson.Default.ListTag));
        p.AddWithValue("$deletion_date", (object?)key.DeletionDate?.UtcTicks ?? DBNull.Value);
        p.AddWithValue("$pending_window_days", (object?)key.PendingWindowInDays ?? DBNull.Value);
        p.AddWithValue("$rotation_enabled", key.Rotation.Enabled ? 1 : 0);
        p.AddWithValue("$rotation_period_days", (object?)key.Rotation.PeriodInDays ?? DBNull.Value);
        p.AddWithValue("$next_rotation_date", (object?)key.Rotation.NextRotationDate?.UtcTicks ?? DBNull.Value);
        p.AddWithValue("$on_demand_rotation_start", (object?)key.Rotation.OnDemandRotationStartDate?.UtcTicks ?? DBNull.Value);
        p.AddWithValue("$multi_region", key.IsMultiRegion ? 1 : 0);
        p.AddWithValue("$primary_region", (object?)key.MultiRegion?.PrimaryRegion ?? DBNull.Value);
        p.AddWithValue("$replica_regions", key.MultiRegion is { } mr ? JsonSerializer.Serialize(mr.ReplicaRegions.ToList(), StoreJson.Default.ListString) : DBNull.Value);
        p.AddWithValue("$mr_epoch", (object?)key.MultiRegion?.Epoch ?? DBNull.Value);
        p.AddWithValue("$mr_sync_version", (object?)key.MultiRegion?.SyncVersion ?? DBNull.Value);
        p.AddWithValue("$state_before_update", (object?)key.StateBeforeUpdate?.ToString() ?? DBNull.Value);
        p.AddWithValue("$mr_progress", key.MultiRegion is { Progress.Count: > 0 } withProgress
            ? JsonSerializer.Serialize(StoredReplicaProgress.From(withProgress.Progress), StoreJson.Default.DictionaryStringStoredReplicaProgress)
            : DBNull.Value);
        p.AddWithValue("$mr_next_sync", (object?)key.MultiRegion?.NextAttemptDue?.UtcTicks ?? DBNull.Value);
        p.AddWithValue("$mr_hand_offs", key.MultiRegion is { HandOffs.Count: > 0 } withHandOffs
            ? JsonSerializer.Serialize(withHandOffs.HandOffs.ToList(), StoreJson.Default.ListHandOff)
            : DBNull.Value);
    }

    /// <summary>Runs a write to one key; memory holds nothing of it from the start of the write to its end, committed or not.</summary>
    private async Task WritingAsync(string keyId, Func<Task> write)
    {
        _cache.BeginWrite(keyId);
        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            _cache.EndWrite(keyId);
            KeyWritten?.Invoke(keyId);
        }
    }

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? NullableTicks(object value) => value is long ticks ? FromTicks(ticks) : null;
}
