using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// A Region whose store went back in time (restored from a backup, or rebuilt empty) rejoins: it tells every other
/// Region, each primary elsewhere sends it its sets again in full (creating the replicas it lost), and each replica of
/// a set it leads reports what it holds, from which the rejoining primary takes back what it itself did after the
/// backup. Nothing here trusts the rejoining Region more than any message of it: it asks only for what it may already
/// have, and a view is taken only of the receiver's own epoch as its primary, never a change of primary.
/// </summary>
public sealed partial class ReplicationReceiver
{
    private const int RejoinPage = 500;

    /// <summary>How long after its rejoin a Region takes its replicas' reports of changes it made itself after its backup.</summary>
    public static readonly TimeSpan ViewsTakenFor = TimeSpan.FromDays(1);

    private DateTimeOffset? _rejoinedAt;

    /// <summary>
    /// This Region announced a rejoin at <paramref name="at"/> (its store went back): for <see cref="ViewsTakenFor"/>
    /// it takes its replicas' views of the sets it leads. Any other time a view is refused: a Region whose store did not
    /// go back has nothing to learn from a replica about its own sets, and a compromised replica nothing to tell it.
    /// </summary>
    public void RejoinedAt(DateTimeOffset at) => _rejoinedAt = at;

    /// <summary>
    /// Run once when this Region first starts on a store that went back in time: the other Regions are asked where its
    /// sequences stand, every set it leads repeats its state to every replica, and every other Region is told
    /// (<see cref="RejoinMessage"/>). Returns the Regions told.
    /// </summary>
    public async Task<IReadOnlyList<string>> AnnounceRejoinAsync(RejoinMessage rejoin, CancellationToken cancellationToken)
    {
        // Before anything below is queued: numbered from this store, the announcement itself could be refused as a replay.
        await channel.AskWhereSequencesStandAsync(cancellationToken).ConfigureAwait(false);
        await ForEachKeyAsync(after => store.PrimaryKeysAsync(region.Region, after, RejoinPage, cancellationToken), async keyId =>
        {
            using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
            if (change.Key is { IsPrimary: true } key)
            {
                key.RepeatToEveryReplica(time.GetUtcNow());
                await change.SaveAsync([], cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        RejoinedAt(time.GetUtcNow());
        var told = channel.OtherRegions();
        foreach (var other in told)
        {
            await channel.SendAsync(other, string.Empty, rejoin, WriteDurability.Immediate, cancellationToken).ConfigureAwait(false);
        }

        return told;
    }

    private async Task<ReceiveOutcome> OnRejoinAsync(string source, RejoinMessage rejoin, CancellationToken cancellationToken)
    {
        var resent = 0;
        var reported = 0;
        await ForEachKeyAsync(after => store.MultiRegionKeysRelatedToAsync(source, after, RejoinPage, cancellationToken), async keyId =>
        {
            using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
            if (change.Key is not { MultiRegion: { } mr } key)
            {
                return;
            }

            if (key.ResendTo(source, time.GetUtcNow()))
            {
                resent++;
                await change.SaveAsync([], cancellationToken).ConfigureAwait(false);
            }
            else if (key.IsHandingOff && mr.PrimaryRegion == source)
            {
                // The offer may be lost with the store: anti-entropy repeats it at once.
                key.RepeatHandOffNow(time.GetUtcNow());
                resent++;
                await change.SaveAsync([], cancellationToken).ConfigureAwait(false);
            }
            else if (!key.IsPrimary && !key.IsHandingOff && mr.PrimaryRegion == source)
            {
                reported++;
                await change.SaveAsync([channel.Encode(source, keyId, new ReplicaViewMessage(key.Shared(), key.State))], cancellationToken)
                    .ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        audit.Record(new AuditEvent("RejoinRegion", AuditEvent.ServiceEvent, null, null, false, new Dictionary<string, object?>
        {
            ["region"] = source, ["reason"] = rejoin.Reason, ["backupId"] = rejoin.BackupId, ["restoredTo"] = rejoin.RestoredTo,
            ["keysSentAgain"] = resent, ["keysReported"] = reported,
        }));
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnReplicaMissingAsync(string source, string keyId, CancellationToken cancellationToken)
    {
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { } key || !key.ResendTo(source, time.GetUtcNow()))
        {
            return ReceiveOutcome.Ignore("not the primary of a set listing that Region");
        }

        await change.SaveAsync([], cancellationToken).ConfigureAwait(false);
        return ReceiveOutcome.Done;
    }

    private async Task<ReceiveOutcome> OnReplicaViewAsync(string source, string keyId, ReplicaViewMessage message, CancellationToken cancellationToken)
    {
        var view = message.State;
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (change.Key is not { MultiRegion: { } mr } key)
        {
            return ReceiveOutcome.Ignore("this Region holds no key of that set");
        }

        if (view.PrimaryRegion != region.Region || !view.ReplicaRegions.Contains(source))
        {
            return ReceiveOutcome.Refuse($"{source} reported a view that does not name this Region primary and itself a replica");
        }

        // A clock set back since the rejoin would stretch the window by as much: before the rejoin time counts as after it.
        if (_rejoinedAt is not { } rejoined || time.GetUtcNow() - rejoined is var since && (since > ViewsTakenFor || since < TimeSpan.Zero))
        {
            return ReceiveOutcome.Refuse($"{source} reported a view of the set, but this Region has not rejoined (its store did not go back)");
        }

        if (!key.IsPrimary)
        {
            return await TakeBackPrimaryAsync(source, change, key, mr, view, cancellationToken).ConfigureAwait(false);
        }

        if (view.Epoch != mr.Epoch || !view.IsNewerThan(mr.Epoch, mr.SyncVersion))
        {
            // An older view is answered by anti-entropy, which repeats the state to every replica after a rejoin; a newer
            // epoch would be a change of primary, which comes only from the primary of that epoch with its hand-offs.
            return ReceiveOutcome.Ignore($"the view of epoch {view.Epoch} at {view.SyncVersion} is not newer than this Region's own");
        }

        var missing = key.MissingMaterials(view);
        key.AdoptOwnLaterState(view, time.GetUtcNow());
        var outgoing = new List<OutgoingMessage>();
        if (missing.Count > 0)
        {
            // Versions this Region made after its backup: the replica holds them and gives them to its primary.
            if (!requests.HasRecent(keyId))
            {
                outgoing.Add(Request(source, keyId));
            }
        }
        else
        {
            outgoing.AddRange(sync.Broadcast(key));
        }

        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("SynchronizeMultiRegionKey", key.Arn, new Dictionary<string, object?>
        {
            ["primaryRegion"] = region.Region, ["epoch"] = view.Epoch, ["syncVersion"] = view.SyncVersion, ["reportedBy"] = source,
        }));
        return ReceiveOutcome.Done;
    }

    /// <summary>
    /// This Region became primary of the set after the backup it was restored from (a hand-off to it, or a break-glass
    /// promotion): the view carries the signed hand-offs that lead from the primary its store knows to itself, checked
    /// as any newer epoch is, so no replica can make it primary on its word alone.
    /// </summary>
    private async Task<ReceiveOutcome> TakeBackPrimaryAsync(string source, KeyChange change, KmsKey key, MultiRegionInfo mr, SharedState view,
        CancellationToken cancellationToken)
    {
        if (view.Epoch <= mr.Epoch)
        {
            return ReceiveOutcome.Ignore($"the view of epoch {view.Epoch} is not newer than this Region's {mr.Epoch}");
        }

        if (HandOffChain.Problem(key.KeyId, mr.Epoch, PrimaryOfEpoch(key), view.Epoch, region.Region, view.HandOffs, channel.Verifies) is { } broken)
        {
            return ReceiveOutcome.Refuse($"{source} reported this Region primary of epoch {view.Epoch} without the hand-offs to it: {broken}");
        }

        var missing = key.MissingMaterials(view);
        key.TakeOver(view);
        key.RepeatToEveryReplica(time.GetUtcNow());
        var outgoing = new List<OutgoingMessage>();
        if (missing.Count > 0)
        {
            if (!requests.HasRecent(key.KeyId))
            {
                outgoing.Add(Request(source, key.KeyId));
            }
        }
        else
        {
            outgoing.AddRange(sync.Broadcast(key));
        }

        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        audit.Record(AuditEvent.Internal("SynchronizeMultiRegionKey", key.Arn, new Dictionary<string, object?>
        {
            ["primaryRegion"] = region.Region, ["epoch"] = view.Epoch, ["syncVersion"] = view.SyncVersion, ["reportedBy"] = source,
        }));
        return ReceiveOutcome.Done;
    }

    private static async Task ForEachKeyAsync(Func<string?, Task<IReadOnlyList<string>>> page, Func<string, Task> each)
    {
        string? after = null;
        while (true)
        {
            var keyIds = await page(after).ConfigureAwait(false);
            foreach (var keyId in keyIds)
            {
                await each(keyId).ConfigureAwait(false);
            }

            if (keyIds.Count < RejoinPage)
            {
                return;
            }

            after = keyIds[^1];
        }
    }
}
