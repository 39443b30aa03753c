using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Applies messages from other Regions (already verified: signed by their source, addressed here, not replayed) and
/// runs anti-entropy. Every handler is idempotent: the relay delivers at least once. Each returns null when it acted,
/// or why it ignored the message (for the log).
/// </summary>
public sealed class ReplicationReceiver(
    IKeyStore store,
    KeyLocks locks,
    IReplicationChannel channel,
    SharedStateSync sync,
    TransportRequests requests,
    IKeyTransport transport,
    IMaterialProtector protector,
    IKeyMaterialFactory factory,
    IAuditSink audit,
    RegionIdentity region,
    TimeProvider time)
{
    public Task<string?> ReceiveAsync(string source, string keyId, ReplicationMessage message, CancellationToken cancellationToken) => message switch
    {
        CreateReplicaMessage m => OnCreateReplicaAsync(source, keyId, m, cancellationToken),
        SharedStateMessage m => OnSharedStateAsync(source, keyId, m.State, cancellationToken),
        KeyRequestMessage m => OnKeyRequestAsync(source, keyId, m, cancellationToken),
        KeyTransferMessage m => OnKeyTransferAsync(source, keyId, m, cancellationToken),
        SyncAckMessage m => OnSyncAckAsync(source, keyId, m, cancellationToken),
        PromoteMessage m => OnPromoteAsync(source, keyId, m.State, cancellationToken),
        PromoteRefusedMessage m => OnPromoteRefusedAsync(keyId, m, cancellationToken),
        ReplicaDeletedMessage m => OnReplicaDeletedAsync(source, keyId, m, cancellationToken),
        _ => Task.FromResult<string?>($"unknown message {message.GetType().Name}"),
    };

    /// <summary>Repeats whatever other Regions have not acknowledged in time. Returns how many messages it queued.</summary>
    public async Task<int> AntiEntropyAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var keyId in await store.KeysDueForSyncAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
            if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } key)
            {
                continue;
            }

            var outgoing = sync.Repeat(key);
            await store.UpdateKeyAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
            sent += outgoing.Count;
        }

        return sent;
    }

    private async Task<string?> OnCreateReplicaAsync(string source, string keyId, CreateReplicaMessage message, CancellationToken cancellationToken)
    {
        var state = message.State;
        if (state.PrimaryRegion != source || !state.ReplicaRegions.Contains(region.Region))
        {
            return "a replica can be created only by its primary, for a Region it lists";
        }

        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            // Created before (a repeat): bring it up to date and ask again for what is missing.
            return await ApplySharedAsync(source, existing, state, cancellationToken).ConfigureAwait(false);
        }

        if (await store.FindTombstoneAsync(keyId, cancellationToken).ConfigureAwait(false) is { } tombstone
            && !state.IsNewerThan(tombstone.Epoch, tombstone.SyncVersion))
        {
            await channel.SendAsync(source, keyId, new ReplicaDeletedMessage(tombstone.Epoch, tombstone.SyncVersion), cancellationToken).ConfigureAwait(false);
            return "the replica was deleted after this request; told the primary";
        }

        // A replica of generated material is Creating until the material arrives; one of imported material knows the
        // set's versions but holds none: it waits in PendingImport for its own imports and says so to the primary.
        var creation = message.Creation;
        var imported = state.Origin == KeyOrigin.EXTERNAL;
        var key = new KmsKey(keyId, region.KeyArn(keyId), time.GetUtcNow(), state.KeySpec, state.KeyUsage, state.Origin,
            imported ? KeyState.PendingImport : KeyState.Creating, creation.Description, creation.Policy, creation.Tags,
            new MultiRegionInfo(state.PrimaryRegion, state.ReplicaRegions, state.Epoch, state.SyncVersion),
            imported ? state.Materials.Select(KmsKey.NotHeld) : []);
        key.Restore(null, null, state.RotationEnabled, state.RotationPeriodInDays, state.NextRotationDate, state.OnDemandRotationStartDate);
        await store.InsertKeyAsync(key, imported ? sync.Report(key) : [Request(source, keyId)], cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("CreateKey", key.Arn, new Dictionary<string, object?>
        {
            ["multiRegion"] = true, ["primaryRegion"] = source, ["description"] = creation.Description,
        }));
        return null;
    }

    private async Task<string?> OnSharedStateAsync(string source, string keyId, SharedState state, CancellationToken cancellationToken)
    {
        if (state.PrimaryRegion != source)
        {
            return $"shared state from {source}, which it does not name as primary";
        }

        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } key)
        {
            if (await store.FindTombstoneAsync(keyId, cancellationToken).ConfigureAwait(false) is { } tombstone)
            {
                await channel.SendAsync(source, keyId, new ReplicaDeletedMessage(tombstone.Epoch, tombstone.SyncVersion), cancellationToken).ConfigureAwait(false);
                return "no such key here any more; told the primary";
            }

            return "no such key here";
        }

        return await ApplySharedAsync(source, key, state, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ApplySharedAsync(string source, KmsKey key, SharedState state, CancellationToken cancellationToken)
    {
        if (key.MultiRegion is not { } mr || (key.IsPrimary && !state.IsNewerThan(mr.Epoch, mr.SyncVersion)))
        {
            return "this Region holds the primary of that epoch";
        }

        if (state.Epoch < mr.Epoch || (state.Epoch == mr.Epoch && state.PrimaryRegion != mr.PrimaryRegion))
        {
            return $"{source} is not the primary of epoch {state.Epoch} as this Region knows it";
        }

        if (key.ApplyShared(state))
        {
            audit.Record(AuditEvent.Internal("SynchronizeMultiRegionKey", key.Arn, new Dictionary<string, object?>
            {
                ["primaryRegion"] = state.PrimaryRegion, ["epoch"] = state.Epoch, ["syncVersion"] = state.SyncVersion,
            }));
        }

        var outgoing = new List<OutgoingMessage>();
        if (key.MissingMaterials(state).Count > 0 && !requests.HasRecent(key.KeyId))
        {
            outgoing.Add(Request(source, key.KeyId));
        }

        outgoing.AddRange(sync.Report(key, source));
        await store.UpdateKeyAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> OnKeyRequestAsync(string source, string keyId, KeyRequestMessage message, CancellationToken cancellationToken)
    {
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (key?.MultiRegion is not { } mr || (mr.PrimaryRegion != source && !mr.ReplicaRegions.Contains(source)))
        {
            return $"{source} holds no related key that this Region knows of";
        }

        if (key.Origin == KeyOrigin.EXTERNAL)
        {
            return "imported key material is never transported between Regions";
        }

        return await TransferAsync(source, key, message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> TransferAsync(string destination, KmsKey key, KeyRequestMessage request, CancellationToken cancellationToken)
    {
        var plain = new List<(string MaterialId, byte[] Material)>();
        try
        {
            foreach (var version in key.Materials)
            {
                plain.Add((version.MaterialId, protector.Unwrap(version.WrappedMaterial!, key.KeyId, version.MaterialId)));
            }

            var requestId = request.RequestMessageId;
            var (sourcePublic, wrapped) = transport.Wrap(request.PublicKey, new TransportContext(key.KeyId, region.Region, destination, requestId), plain);
            var shared = key.Shared();
            var transfer = new KeyTransferMessage(requestId, sourcePublic, shared.Epoch, shared.SyncVersion, shared.Materials, wrapped);
            await channel.SendAsync(destination, key.KeyId, transfer, cancellationToken).ConfigureAwait(false);
            return null;
        }
        finally
        {
            foreach (var (_, material) in plain)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    private async Task<string?> OnKeyTransferAsync(string source, string keyId, KeyTransferMessage message, CancellationToken cancellationToken)
    {
        var privateKey = requests.Take(message.RequestMessageId, keyId);
        if (privateKey is null)
        {
            return "no outstanding request matches this transfer (answered before, or this Region restarted since)";
        }

        IReadOnlyList<(string MaterialId, byte[] Material)> plain;
        try
        {
            plain = transport.Unwrap(privateKey, message.SourcePublicKey,
                new TransportContext(keyId, source, region.Region, message.RequestMessageId), message.Materials);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        var versions = new List<KeyMaterialVersion>();
        try
        {
            foreach (var (materialId, material) in plain)
            {
                var info = message.Infos.FirstOrDefault(i => i.MaterialId == materialId);
                if (info is null || factory.MaterialId(keyId, material) != materialId)
                {
                    return $"material {materialId} does not match its ID; the transfer was refused";
                }

                versions.Add(new KeyMaterialVersion(materialId, info.Ordinal, info.CreatedAt, info.RotationType, info.State,
                    protector.Wrap(material, keyId, materialId)));
            }
        }
        finally
        {
            foreach (var (_, material) in plain)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }

        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { MultiRegion: { } mr } key)
        {
            return "the key was deleted before its material arrived";
        }

        key.AddTransported(versions, message.Epoch, message.SyncVersion);
        await store.UpdateKeyAsync(key, sync.Report(key, mr.PrimaryRegion), cancellationToken).ConfigureAwait(false);
        requests.Answered(keyId);
        return null;
    }

    private async Task<string?> OnSyncAckAsync(string source, string keyId, SyncAckMessage ack, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { IsPrimary: true } key)
        {
            return "this Region does not hold the primary";
        }

        var rotated = key.RecordAck(source, ack);
        var outgoing = rotated ? sync.Broadcast(key) : [];
        await store.UpdateKeyAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> OnPromoteAsync(string source, string keyId, SharedState state, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (key?.MultiRegion is not { } mr || state.PrimaryRegion != region.Region)
        {
            await channel.SendAsync(source, keyId, new PromoteRefusedMessage(state.Epoch - 1, "no related key in the target Region"), cancellationToken)
                .ConfigureAwait(false);
            return "cannot take over a key this Region does not hold";
        }

        if (!state.IsNewerThan(mr.Epoch, mr.SyncVersion))
        {
            // A repeat of a hand-off already done: tell the old primary again who is primary now.
            if (key.IsPrimary)
            {
                await store.UpdateKeyAsync(key, sync.Broadcast(key).Where(m => m.DestinationRegion == source).ToList(), cancellationToken)
                    .ConfigureAwait(false);
            }

            return "hand-off already applied";
        }

        if (key.State != KeyState.Enabled)
        {
            await channel.SendAsync(source, keyId, new PromoteRefusedMessage(state.Epoch - 1, $"{key.Arn} is {key.State}"), cancellationToken)
                .ConfigureAwait(false);
            return $"refused the primary role: the key here is {key.State}";
        }

        key.TakeOver(state);
        await store.UpdateKeyAsync(key, sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("UpdatePrimaryRegion", key.Arn, new Dictionary<string, object?> { ["primaryRegion"] = region.Region }));
        return null;
    }

    private async Task<string?> OnPromoteRefusedAsync(string keyId, PromoteRefusedMessage message, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } key || !key.HandOffRefused(message.Epoch))
        {
            return "no hand-off of that epoch is in progress";
        }

        await store.UpdateKeyAsync(key, sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<string?> OnReplicaDeletedAsync(string source, string keyId, ReplicaDeletedMessage message, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } key
            || !key.RemoveReplica(source, time.GetUtcNow(), message.Epoch, message.SyncVersion))
        {
            return "not a replica this Region's primary lists";
        }

        await store.UpdateKeyAsync(key, sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>A key request to <paramref name="destination"/>; its ephemeral private key waits in memory for the answer.</summary>
    private OutgoingMessage Request(string destination, string keyId)
    {
        var (publicKey, privateKey) = transport.CreateRequestKey();
        var messageId = Guid.NewGuid().ToString("N");
        requests.Add(messageId, keyId, privateKey);
        return channel.Encode(destination, keyId, new KeyRequestMessage(publicKey), messageId);
    }
}
