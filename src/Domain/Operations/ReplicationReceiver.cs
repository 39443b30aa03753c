using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Applies messages from other Regions (already verified: signed by their source, addressed here, not replayed) and
/// runs anti-entropy. Every handler is idempotent: the relay delivers at least once. A signature proves only who sent a
/// message, not that its sender may say it: a Region that holds a valid signing key (a compromised host) is contained
/// by the checks here. Only the primary sends shared state within its epoch; a newer epoch needs the signed hand-offs
/// that lead to it; material goes only to the replicas the primary itself lists; a transfer is taken only from the
/// Region asked; a promotion only from the primary of the epoch before, and its refusal only from the Region offered
/// the role. A refused message changes nothing and is logged and audited.
/// </summary>
public sealed partial class ReplicationReceiver(
    IKeyStore store,
    KeyChanges changes,
    IReplicationChannel channel,
    SharedStateSync sync,
    TransportRequests requests,
    IKeyTransport transport,
    IMaterialProtector protector,
    IKeyMaterialFactory factory,
    IAuditSink audit,
    AccessControl accessControl,
    PolicyPrincipals principals,
    RegionIdentity region,
    TimeProvider time)
{
    /// <summary>Why a Region declines a hand-off of a set it holds no key of (its store was lost, or its replica deleted).</summary>
    public const string NoRelatedKey = "no related key in the target Region";

    public async Task<ReceiveOutcome> ReceiveAsync(string source, string keyId, ReplicationMessage message, CancellationToken cancellationToken)
    {
        var outcome = await (message switch
        {
            CreateReplicaMessage m => OnCreateReplicaAsync(source, keyId, m, cancellationToken),
            SharedStateMessage m => OnSharedStateAsync(source, keyId, m, cancellationToken),
            KeyRequestMessage m => OnKeyRequestAsync(source, keyId, m, cancellationToken),
            KeyTransferMessage m => OnKeyTransferAsync(source, keyId, m, cancellationToken),
            SyncAckMessage m => OnSyncAckAsync(source, keyId, m, cancellationToken),
            PromoteMessage m => OnPromoteAsync(source, keyId, m.State, cancellationToken),
            PromoteRefusedMessage m => OnPromoteRefusedAsync(source, keyId, m, cancellationToken),
            ReplicaDeletedMessage m => OnReplicaDeletedAsync(source, keyId, m, cancellationToken),
            RejoinMessage m => OnRejoinAsync(source, m, cancellationToken),
            ReplicaViewMessage m => OnReplicaViewAsync(source, keyId, m, cancellationToken),
            ReplicaMissingMessage => OnReplicaMissingAsync(source, keyId, cancellationToken),
            _ => Task.FromResult(ReceiveOutcome.Refuse($"unknown message {message.GetType().Name}")),
        }).ConfigureAwait(false);
        if (outcome.Refused)
        {
            var kind = message.GetType().Name;
            audit.Record(AuditEvent.RefusedMessage(kind.EndsWith("Message", StringComparison.Ordinal) ? kind[..^"Message".Length] : kind,
                region.KeyArn(keyId), source, outcome.Reason ?? "refused"));
        }

        return outcome;
    }

    /// <summary>Repeats whatever other Regions have not acknowledged in time. Returns how many messages it queued.</summary>
    public async Task<int> AntiEntropyAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var keyId in await store.KeysDueForSyncAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
            if (change.Key is not { } key)
            {
                continue;
            }

            var outgoing = sync.Repeat(key);
            await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
            sent += outgoing.Count;
        }

        return sent;
    }

    private async Task<ReceiveOutcome> OnCreateReplicaAsync(string source, string keyId, CreateReplicaMessage message, CancellationToken cancellationToken)
    {
        var state = message.State;
        if (state.PrimaryRegion != source || !state.ReplicaRegions.Contains(region.Region))
        {
            return ReceiveOutcome.Refuse($"{source} asked for a replica it is not the primary of, or for a Region its state does not list");
        }

        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is { } existing)
        {
            // Created before (a repeat): bring it up to date and ask again for what is missing.
            return await ApplySharedAsync(source, change, existing, state, message.Delivered, cancellationToken).ConfigureAwait(false);
        }

        if (await change.TombstoneAsync(cancellationToken).ConfigureAwait(false) is { } tombstone
            && !state.IsNewerThan(tombstone.Epoch, tombstone.SyncVersion))
        {
            await channel.SendAsync(source, keyId, new ReplicaDeletedMessage(tombstone.Epoch, tombstone.SyncVersion), WriteDurability.WithNextFlush,
                cancellationToken).ConfigureAwait(false);
            return ReceiveOutcome.Ignore("the replica was deleted after this request; told the primary");
        }

        // A replica of generated material is Creating until the material arrives; one of imported material knows the
        // set's versions but holds none: it waits in PendingImport for its own imports and says so to the primary.
        var creation = message.Creation;
        var imported = state.Origin == KeyOrigin.EXTERNAL;
        var key = new KmsKey(keyId, region.KeyArn(keyId), time.GetUtcNow(), state.KeySpec, state.KeyUsage, state.Origin,
            imported ? KeyState.PendingImport : KeyState.Creating, creation.Description, creation.Policy, creation.Tags,
            new MultiRegionInfo(state.PrimaryRegion, state.ReplicaRegions, state.Epoch, state.SyncVersion, handOffs: state.HandOffs),
            imported ? state.Materials.Select(KmsKey.NotHeld) : []);
        // No size quota here: the primary's Region applied its own, and a replica never refuses what its primary admitted.
        key.WithPolicyPrincipals(await principals.BindAsync(KeyPolicies.Validate(creation.Policy, int.MaxValue), refuseUnknown: false, cancellationToken)
            .ConfigureAwait(false));
        key.Restore(null, null, state.RotationEnabled, state.RotationPeriodInDays, state.NextRotationDate, state.OnDemandRotationStartDate);

        // The primary sends the material with the creation when it holds a prekey of this Region: the replica is
        // Enabled at once. Otherwise (or when this Region restarted since it published that prekey) it asks for it.
        var delivered = Versions(keyId, state.Materials, imported ? null : message.Delivered, out var problem);
        if (problem is not null)
        {
            return ReceiveOutcome.Refuse(problem);
        }

        if (delivered is not null)
        {
            key.AddTransported(delivered, state.Epoch, state.SyncVersion);
        }

        var outgoing = imported || key.MissingMaterials(state).Count == 0 ? sync.Report(key) : [Request(source, keyId)];
        await change.InsertAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("CreateKey", key.Arn, new Dictionary<string, object?>
        {
            ["multiRegion"] = true, ["primaryRegion"] = source, ["description"] = creation.Description,
        }));
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnSharedStateAsync(string source, string keyId, SharedStateMessage message, CancellationToken cancellationToken)
    {
        var state = message.State;
        if (state.PrimaryRegion != source)
        {
            return ReceiveOutcome.Refuse($"shared state from {source}, which it does not name as primary");
        }

        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { } key)
        {
            if (await change.TombstoneAsync(cancellationToken).ConfigureAwait(false) is { } tombstone)
            {
                await channel.SendAsync(source, keyId, new ReplicaDeletedMessage(tombstone.Epoch, tombstone.SyncVersion), WriteDurability.WithNextFlush,
                cancellationToken).ConfigureAwait(false);
                return ReceiveOutcome.Ignore("no such key here any more; told the primary");
            }

            if (state.ReplicaRegions.Contains(region.Region))
            {
                // Listed, but this Region holds neither the key nor a record of deleting it: its store was lost or went
                // back to before the replica existed. The primary sends the set again as a creation.
                await channel.SendAsync(source, keyId, new ReplicaMissingMessage(), WriteDurability.WithNextFlush, cancellationToken).ConfigureAwait(false);
                return ReceiveOutcome.Ignore("no such key here; told the primary");
            }

            return ReceiveOutcome.Ignore("no such key here");
        }

        return await ApplySharedAsync(source, change, key, state, message.Delivered, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReceiveOutcome> ApplySharedAsync(string source, KeyChange change, KmsKey key, SharedState state,
        IReadOnlyList<(string MaterialId, byte[] Material)>? delivered, CancellationToken cancellationToken)
    {
        if (key.MultiRegion is not { } mr)
        {
            return ReceiveOutcome.Refuse($"{key.KeyId} is not a multi-Region key here");
        }

        if (state.Epoch < mr.Epoch)
        {
            return ReceiveOutcome.Ignore($"shared state of epoch {state.Epoch}, older than this Region's {mr.Epoch}");
        }

        if (state.Epoch == mr.Epoch && state.PrimaryRegion != PrimaryOfEpoch(key))
        {
            return ReceiveOutcome.Refuse($"{source} is not the primary of epoch {state.Epoch}; {PrimaryOfEpoch(key)} is");
        }

        if (state.Epoch > mr.Epoch
            && HandOffChain.Problem(key.KeyId, mr.Epoch, PrimaryOfEpoch(key), state.Epoch, state.PrimaryRegion, state.HandOffs, channel.Verifies) is { } broken)
        {
            return ReceiveOutcome.Refuse($"{source} claims epoch {state.Epoch} without a hand-off from {PrimaryOfEpoch(key)}: {broken}");
        }

        if (key.IsPrimary && !state.IsNewerThan(mr.Epoch, mr.SyncVersion))
        {
            return ReceiveOutcome.Ignore("this Region holds the primary of that epoch");
        }

        var versions = Versions(key.KeyId, state.Materials, key.Origin == KeyOrigin.EXTERNAL ? null : delivered, out var problem);
        if (problem is not null)
        {
            return ReceiveOutcome.Refuse(problem);
        }

        var epochBefore = mr.Epoch;
        if (key.ApplyShared(state))
        {
            audit.Record(AuditEvent.Internal("SynchronizeMultiRegionKey", key.Arn, new Dictionary<string, object?>
            {
                ["primaryRegion"] = state.PrimaryRegion, ["epoch"] = state.Epoch, ["syncVersion"] = state.SyncVersion,
            }));
            foreach (var promotion in state.HandOffs.Where(h => h.Epoch > epochBefore && h.BreakGlass is not null))
            {
                audit.Record(BreakGlassOperations.Promoted(key.Arn, promotion));
            }
        }

        if (versions is not null)
        {
            // A rotation's new version (or what this replica lacked) came with the state: no request, no transfer.
            key.AddTransported(versions, state.Epoch, state.SyncVersion);
            requests.Answered(key.KeyId);
        }

        var outgoing = new List<OutgoingMessage>();
        if (key.MissingMaterials(state).Count > 0 && !requests.HasRecent(key.KeyId))
        {
            outgoing.Add(Request(source, key.KeyId));
        }

        outgoing.AddRange(sync.Report(key, source));
        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        return ReceiveOutcome.Done;
    }

    /// <summary>The primary of the key's epoch: itself while it hands the role off (the next epoch has not begun).</summary>
    private string PrimaryOfEpoch(KmsKey key) => key.IsHandingOff ? region.Region : key.MultiRegion!.PrimaryRegion;

    private async Task<ReceiveOutcome> OnKeyRequestAsync(string source, string keyId, KeyRequestMessage message, CancellationToken cancellationToken)
    {
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (key?.MultiRegion is not { } mr)
        {
            return ReceiveOutcome.Ignore("no multi-Region key by that ID here");
        }

        // Material goes to a replica the primary of the key's epoch lists (it still is that primary while it hands the role
        // off), and to the primary as this Region knows it, through signed hand-offs: a new primary may lack a version
        // made just before the hand-off, which only the old one holds.
        var toReplica = (key.IsPrimary || key.IsHandingOff) && mr.ReplicaRegions.Contains(source);
        var toPrimary = !key.IsPrimary && mr.PrimaryRegion == source;
        if (!toReplica && !toPrimary)
        {
            // A related Region asking a former primary is a race with a hand-off (it asks the new primary next); anyone
            // else is refused.
            return mr.ReplicaRegions.Contains(source)
                ? ReceiveOutcome.Ignore("this Region is not the primary; the requester asks the primary when it hears from it")
                : ReceiveOutcome.Refuse($"{source} asked for the material of a key whose primary does not list it as a replica");
        }

        if (key.Origin == KeyOrigin.EXTERNAL)
        {
            return ReceiveOutcome.Ignore("imported key material is never transported between Regions");
        }

        return await TransferAsync(source, key, message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReceiveOutcome> TransferAsync(string destination, KmsKey key, KeyRequestMessage request, CancellationToken cancellationToken)
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
            await channel.SendAsync(destination, key.KeyId, transfer, WriteDurability.WithNextFlush, cancellationToken).ConfigureAwait(false);
            return ReceiveOutcome.Done;
        }
        finally
        {
            foreach (var (_, material) in plain)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    private async Task<ReceiveOutcome> OnKeyTransferAsync(string source, string keyId, KeyTransferMessage message, CancellationToken cancellationToken)
    {
        var privateKey = requests.Take(message.RequestMessageId, keyId, source, out var fromElsewhere);
        if (fromElsewhere)
        {
            return ReceiveOutcome.Refuse($"{source} answered a key request this Region sent to another Region");
        }

        if (privateKey is null)
        {
            return ReceiveOutcome.Ignore("no outstanding request matches this transfer (answered before, or this Region restarted since)");
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

        List<KeyMaterialVersion>? versions;
        string? problem;
        try
        {
            versions = Versions(keyId, message.Infos, plain, out problem);
        }
        finally
        {
            foreach (var (_, material) in plain)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }

        if (problem is not null || versions is null)
        {
            return ReceiveOutcome.Refuse(problem ?? "no material in the transfer");
        }

        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { MultiRegion: { } mr } key)
        {
            return ReceiveOutcome.Ignore("the key was deleted before its material arrived");
        }

        key.AddTransported(versions, message.Epoch, message.SyncVersion);
        // A primary that fetched a version from its predecessor tells its replicas at once; a replica reports to its primary.
        await change.SaveAsync(key.IsPrimary ? sync.Broadcast(key) : sync.Report(key, mr.PrimaryRegion), cancellationToken).ConfigureAwait(false);
        requests.Answered(keyId);
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnSyncAckAsync(string source, string keyId, SyncAckMessage ack, CancellationToken cancellationToken)
    {
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { IsPrimary: true } key)
        {
            return ReceiveOutcome.Ignore("this Region does not hold the primary");
        }

        var rotated = key.RecordAck(source, ack);
        sync.Acknowledged(keyId, source);
        var outgoing = rotated ? sync.Broadcast(key) : [];
        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnPromoteAsync(string source, string keyId, SharedState state, CancellationToken cancellationToken)
    {
        // The offer itself: the sender gives the role up, to this Region, for exactly the state's epoch, and signed it.
        var offer = state.HandOffs.LastOrDefault(h => h.Epoch == state.Epoch);
        if (state.PrimaryRegion != region.Region || offer is null || offer.PreviousPrimary != source || offer.NewPrimary != region.Region
            || !channel.Verifies(keyId, offer))
        {
            return ReceiveOutcome.Refuse($"{source} offered the primary role without its own signed hand-off to this Region");
        }

        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = change.Key;
        if (key?.MultiRegion is not { } mr)
        {
            await DeclineAsync(source, keyId, state, NoRelatedKey, cancellationToken).ConfigureAwait(false);
            return ReceiveOutcome.Ignore("cannot take over a key this Region does not hold");
        }

        if (!state.IsNewerThan(mr.Epoch, mr.SyncVersion))
        {
            // A repeat of a hand-off already done: tell the old primary again who is primary now.
            if (key.IsPrimary)
            {
                await change.SaveAsync(sync.Broadcast(key).Where(m => m.DestinationRegion == source).ToList(), cancellationToken)
                    .ConfigureAwait(false);
            }

            return ReceiveOutcome.Ignore("hand-off already applied");
        }

        if (HandOffChain.Problem(keyId, mr.Epoch, PrimaryOfEpoch(key), state.Epoch, region.Region, state.HandOffs, channel.Verifies) is { } broken)
        {
            return ReceiveOutcome.Refuse($"{source} offered epoch {state.Epoch} without the hand-offs from {PrimaryOfEpoch(key)}: {broken}");
        }

        if (key.State != KeyState.Enabled)
        {
            await DeclineAsync(source, keyId, state, $"{key.Arn} is {key.State}", cancellationToken).ConfigureAwait(false);
            return ReceiveOutcome.Ignore($"refused the primary role: the key here is {key.State}");
        }

        // UpdatePrimaryRegion needs the permission on the replica that becomes primary as well: this Region's own policy
        // decides for the principal who asked in the primary's Region.
        if (offer.RequestedBy != Caller.SystemPrincipal && await DeniedAsync(key, offer.RequestedBy, cancellationToken).ConfigureAwait(false) is { } denial)
        {
            audit.Record(new AuditEvent("UpdatePrimaryRegion", AuditEvent.ServiceEvent, offer.RequestedBy.Length == 0 ? null : offer.RequestedBy, key.Arn,
                false, new Dictionary<string, object?> { ["primaryRegion"] = region.Region, ["requestedIn"] = source }, null, denial.ErrorCode, denial.Message));
            await DeclineAsync(source, keyId, state, denial.Message, cancellationToken).ConfigureAwait(false);
            return ReceiveOutcome.Ignore($"refused the primary role: {denial.Message}");
        }

        key.TakeOver(state);
        var outgoing = sync.Broadcast(key).ToList();
        if (key.MissingMaterials(state).Count > 0 && !requests.HasRecent(keyId))
        {
            // A version the old primary made just before the hand-off, not yet here: the old primary still holds it.
            outgoing.Add(Request(source, keyId));
        }

        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("UpdatePrimaryRegion", key.Arn, new Dictionary<string, object?> { ["primaryRegion"] = region.Region }));
        return ReceiveOutcome.Done;
    }

    /// <summary>The refusal this Region's key policy gives the principal for UpdatePrimaryRegion to here; null when allowed.</summary>
    private async Task<KmsException?> DeniedAsync(KmsKey key, string principalArn, CancellationToken cancellationToken)
    {
        if (principalArn.Length == 0)
        {
            return KmsErrors.AccessDeniedTo("the hand-off names no principal who asked for it");
        }

        try
        {
            var caller = await principals.CallerNamedAsync(principalArn, cancellationToken).ConfigureAwait(false);
            await accessControl.AuthorizeAsync(key, Access.For(caller, "UpdatePrimaryRegion",
                ConditionKeys.One("kms:PrimaryRegion", region.Region)), null, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (KmsException denied) when (denied.ErrorCode == KmsErrorCodes.AccessDenied)
        {
            return denied;
        }
    }

    /// <summary>Cannot take the role: hands it straight back to the offering Region, signed, two epochs on.</summary>
    private Task DeclineAsync(string source, string keyId, SharedState state, string reason, CancellationToken cancellationToken) =>
        channel.SendAsync(source, keyId,
            new PromoteRefusedMessage(state.Epoch - 1, reason, channel.SignHandOff(keyId, state.Epoch + 1, source, Caller.SystemPrincipal)),
            WriteDurability.WithNextFlush, cancellationToken);

    private async Task<ReceiveOutcome> OnPromoteRefusedAsync(string source, string keyId, PromoteRefusedMessage message, CancellationToken cancellationToken)
    {
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { IsHandingOff: true, MultiRegion: { } mr } key
            || mr.Epoch != message.Epoch)
        {
            return ReceiveOutcome.Ignore("no hand-off of that epoch is in progress");
        }

        if (source != mr.PrimaryRegion)
        {
            return ReceiveOutcome.Refuse($"{source} refused a hand-off offered to {mr.PrimaryRegion}");
        }

        if (message.Decline is not { } decline || !channel.Verifies(keyId, decline) || !key.HandOffRefused(message.Epoch, decline))
        {
            return ReceiveOutcome.Refuse($"{source} refused the hand-off without handing the role back, signed, for epoch {message.Epoch + 2}");
        }

        if (message.Reason == NoRelatedKey)
        {
            // The target holds no key of the set any more (a Region rebuilt after its store was lost): it is listed again,
            // so it is sent the set as a creation.
            key.ResendTo(source, time.GetUtcNow());
        }

        await change.SaveAsync(sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnReplicaDeletedAsync(string source, string keyId, ReplicaDeletedMessage message, CancellationToken cancellationToken)
    {
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { } key
            || !key.RemoveReplica(source, time.GetUtcNow(), message.Epoch, message.SyncVersion))
        {
            return ReceiveOutcome.Ignore("not a replica this Region's primary lists");
        }

        await change.SaveAsync(sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        return ReceiveOutcome.Done;
    }

    /// <summary>
    /// Transported material as versions of this Region's store (wrapped under its domain key), each checked against
    /// the ID its sender gave it and the version the sender's state lists; null when none came. A version that does
    /// not match is a <paramref name="problem"/>, and nothing is taken.
    /// </summary>
    private List<KeyMaterialVersion>? Versions(string keyId, IReadOnlyList<MaterialInfo> infos,
        IReadOnlyList<(string MaterialId, byte[] Material)>? plain, out string? problem)
    {
        problem = null;
        if (plain is null || plain.Count == 0)
        {
            return null;
        }

        var versions = new List<KeyMaterialVersion>(plain.Count);
        foreach (var (materialId, material) in plain)
        {
            var info = infos.FirstOrDefault(i => i.MaterialId == materialId);
            if (info is null || factory.MaterialId(keyId, material) != materialId)
            {
                problem = $"material {materialId} does not match its ID";
                return null;
            }

            versions.Add(new KeyMaterialVersion(materialId, info.Ordinal, info.CreatedAt, info.RotationType, info.State,
                protector.Wrap(material, keyId, materialId)));
        }

        return versions;
    }

    /// <summary>A key request to <paramref name="destination"/>; its ephemeral private key waits in memory for the answer.</summary>
    private OutgoingMessage Request(string destination, string keyId)
    {
        var (publicKey, privateKey) = transport.CreateRequestKey();
        var messageId = Guid.NewGuid().ToString("N");
        requests.Add(messageId, keyId, privateKey, destination);
        return channel.Encode(destination, keyId, new KeyRequestMessage(publicKey), messageId);
    }
}
