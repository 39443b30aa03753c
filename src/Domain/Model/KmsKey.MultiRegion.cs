using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>The multi-Region side of a key: replicas, shared-property sync, primary hand-off.</summary>
public sealed partial class KmsKey
{
    /// <summary>While Updating (a primary hand-off), the state to return to afterwards.</summary>
    public KeyState? StateBeforeUpdate { get; private set; }

    /// <summary>The shared properties as this key knows them.</summary>
    public SharedState Shared()
    {
        var mr = RequireMultiRegion();
        return new SharedState(mr.Epoch, mr.SyncVersion, mr.PrimaryRegion, mr.ReplicaRegions.ToList(), KeySpec, KeyUsage, Origin,
            Rotation.Enabled, Rotation.PeriodInDays, Rotation.NextRotationDate, Rotation.OnDemandRotationStartDate,
            _materials.Select(m => new MaterialInfo(m.MaterialId, m.Ordinal, m.CreatedAt, m.RotationType, m.State)).ToList())
        {
            HandOffs = mr.HandOffs.ToList(),
        };
    }

    /// <summary>The versions whose material this Region holds (for imported keys, those imported here).</summary>
    public IReadOnlyList<string> MaterialIds => _materials.Where(m => m.IsHeld).Select(m => m.MaterialId).ToList();

    /// <summary>
    /// Records a new replica in <paramref name="targetRegion"/> on the primary (ReplicateKey's rules) and moves the set's
    /// shared-property version forward, so every related key learns of it.
    /// </summary>
    public void AddReplica(string targetRegion, ReplicaCreation creation)
    {
        var mr = RequirePrimary(KeyOperation.ReplicateKey, targetRegion, "only multi-Region primary keys can be replicated",
            "replicate the primary key", "ReplicaRegion");

        if (mr.ReplicaRegions.Contains(targetRegion))
        {
            throw KmsErrors.AlreadyExists($"A replica of {KeyId} already exists in {targetRegion}.");
        }

        mr.AddReplicaRegion(targetRegion);
        mr.SyncVersion++;
        if (_materials.Find(m => m.State == KeyMaterialState.PENDING_ROTATION && Origin == KeyOrigin.EXTERNAL) is { } imported)
        {
            // The new replica must import that material too before the rotation can go ahead.
            imported.State = KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION;
        }

        mr.StartProgress(targetRegion, ReplicaProgress.ForNewReplica(creation, mr.Epoch, mr.SyncVersion));
    }

    /// <summary>Moves the shared-property version forward after a shared change on the primary.</summary>
    public void AdvanceSync() => RequireMultiRegion().SyncVersion++;

    /// <summary>
    /// Applies shared properties received from the primary if they are newer than what this key holds. A key that was
    /// handing over the primary role returns to its earlier state once the new primary's epoch reaches it. The caller
    /// has checked that a newer epoch comes with the hand-offs that lead to it (<see cref="HandOffChain"/>).
    /// </summary>
    public bool ApplyShared(SharedState state)
    {
        var mr = RequireMultiRegion();
        if (!state.IsNewerThan(mr.Epoch, mr.SyncVersion) || (state.Epoch == mr.Epoch && state.PrimaryRegion != mr.PrimaryRegion))
        {
            // Within one epoch only its primary speaks; a different primary needs a newer epoch (a hand-off).
            return false;
        }

        var handedOver = State == KeyState.Updating && state.Epoch > mr.Epoch;
        mr.RecordHandOffs(state.HandOffs);
        mr.Epoch = state.Epoch;
        mr.SyncVersion = state.SyncVersion;
        mr.PrimaryRegion = state.PrimaryRegion;
        mr.ReplaceReplicas(state.ReplicaRegions);
        FollowSharedSettings(state);
        if (handedOver)
        {
            State = StateBeforeUpdate ?? KeyState.Enabled;
            StateBeforeUpdate = null;
        }

        FollowImportedVersions(state.Materials);

        if (!IsPrimary)
        {
            mr.ForgetProgress();
        }

        return true;
    }

    /// <summary>The versions <paramref name="state"/> lists that this key does not hold yet.</summary>
    public IReadOnlyList<string> MissingMaterials(SharedState state) => Origin == KeyOrigin.EXTERNAL
        ? [] // imported material never travels between Regions; each Region's key receives it by import
        : state.Materials.Select(m => m.MaterialId).Where(id => FindMaterial(id) is null).ToList();

    /// <summary>
    /// Adds transported versions this key does not hold. Their states (and those of held versions) follow the sender
    /// when the sender's view is at least as new as this key's. A replica being created becomes Enabled once it holds
    /// current material.
    /// </summary>
    public void AddTransported(IReadOnlyList<KeyMaterialVersion> versions, long epoch, long syncVersion)
    {
        var mr = RequireMultiRegion();
        foreach (var version in versions.Where(v => FindMaterial(v.MaterialId) is null))
        {
            _materials.Add(version);
        }

        _materials.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        if (!(mr.Epoch > epoch || (mr.Epoch == epoch && mr.SyncVersion > syncVersion)))
        {
            ApplyMaterialStates(versions.Select(v => new MaterialInfo(v.MaterialId, v.Ordinal, v.CreatedAt, v.RotationType, v.State)).ToList());
        }

        if (State == KeyState.Creating && _materials.Any(m => m.State == KeyMaterialState.CURRENT))
        {
            State = KeyState.Enabled;
        }
    }

    /// <summary>
    /// Records a replica's acknowledgement on the primary. Returns true when that completed a pending rotation (every
    /// replica now holds the new version, so it became current and the set must be told).
    /// </summary>
    public bool RecordAck(string replicaRegion, SyncAckMessage ack)
    {
        var mr = RequireMultiRegion();
        if (!IsPrimary || !mr.ReplicaRegions.Contains(replicaRegion))
        {
            return false;
        }

        var progress = mr.ProgressOf(replicaRegion);
        if (ack.Epoch > progress.Epoch || (ack.Epoch == progress.Epoch && ack.SyncVersion >= progress.SyncVersion))
        {
            // Acknowledgements of one version can arrive out of order or twice (an earlier one after a later one): what a
            // replica reported holding at that version adds up rather than being replaced by an older report.
            var sameVersion = ack.Epoch == progress.Epoch && ack.SyncVersion == progress.SyncVersion;
            progress.Epoch = ack.Epoch;
            progress.SyncVersion = ack.SyncVersion;
            progress.MaterialIds = sameVersion ? progress.MaterialIds.Union(ack.MaterialIds).ToList() : ack.MaterialIds.ToList();
            progress.KeyState = ack.KeyState;
        }

        progress.PendingCreation = null;
        if (IsCurrent(progress))
        {
            progress.UpToDate();
        }

        // Generated material waits in PENDING_ROTATION and becomes current once every replica holds it; imported material
        // waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION until imported everywhere, then for RotateKeyOnDemand.
        var waitingFor = Origin == KeyOrigin.EXTERNAL ? KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION : KeyMaterialState.PENDING_ROTATION;
        var pending = _materials.Find(m => m.State == waitingFor);
        if (pending is null || !mr.ReplicaRegions.All(r => mr.Progress.TryGetValue(r, out var p) && p.MaterialIds.Contains(pending.MaterialId)))
        {
            return false;
        }

        if (Origin == KeyOrigin.EXTERNAL)
        {
            pending.State = KeyMaterialState.PENDING_ROTATION;
        }
        else
        {
            MakeCurrent(pending);
        }

        mr.SyncVersion++;
        return true;
    }

    /// <summary>
    /// The versions the primary sends with its next message to <paramref name="replica"/>: those held here that the
    /// replica has not acknowledged holding; null when none, or when the key's material is imported (it never travels).
    /// </summary>
    public IReadOnlyList<string>? MaterialsOwedTo(string replica)
    {
        var mr = RequireMultiRegion();
        if (Origin == KeyOrigin.EXTERNAL)
        {
            return null;
        }

        var held = mr.Progress.TryGetValue(replica, out var progress) ? progress.MaterialIds : [];
        var owed = _materials.Where(m => m.IsHeld && !held.Contains(m.MaterialId)).Select(m => m.MaterialId).ToList();
        return owed.Count == 0 ? null : owed;
    }

    /// <summary>Records that <paramref name="region"/> was just sent the latest state, so anti-entropy repeats it after a back-off unless acknowledged.</summary>
    public void SentTo(string region, DateTimeOffset now, TimeSpan backoff, TimeSpan maxBackoff) =>
        RequireMultiRegion().ProgressOf(region).Sent(now, backoff, maxBackoff);

    /// <summary>True when the replica has acknowledged this key's latest shared state and holds every version.</summary>
    public bool IsCurrent(ReplicaProgress progress)
    {
        var mr = RequireMultiRegion();
        // A replica of an imported key holds what its users imported there; only the shared state must have arrived.
        return progress.PendingCreation is null && progress.Epoch == mr.Epoch && progress.SyncVersion == mr.SyncVersion
               && (Origin == KeyOrigin.EXTERNAL || _materials.All(m => progress.MaterialIds.Contains(m.MaterialId)));
    }

    /// <summary>
    /// Drops a replica that was deleted in its Region (it last held <paramref name="epoch"/>, <paramref name="syncVersion"/>);
    /// a notice older than the replica's addition is about an earlier replica in that Region and changes nothing. A
    /// primary waiting for its replicas starts its own window when the last goes.
    /// </summary>
    public bool RemoveReplica(string replicaRegion, DateTimeOffset now, long epoch = long.MaxValue, long syncVersion = long.MaxValue)
    {
        var mr = RequireMultiRegion();
        if (!IsPrimary || !mr.ReplicaRegions.Contains(replicaRegion))
        {
            return false;
        }

        if (mr.Progress.TryGetValue(replicaRegion, out var progress)
            && (progress.AddedEpoch > epoch || (progress.AddedEpoch == epoch && progress.AddedSyncVersion > syncVersion)))
        {
            return false;
        }

        mr.RemoveReplicaRegion(replicaRegion);
        mr.SyncVersion++;
        if (State == KeyState.PendingReplicaDeletion && mr.ReplicaRegions.Count == 0)
        {
            State = KeyState.PendingDeletion;
            DeletionDate = now.AddDays(PendingWindowInDays ?? 30);
        }

        return true;
    }

    /// <summary>
    /// Starts UpdatePrimaryRegion on the primary: this key goes to Updating and stops acting as primary; the returned
    /// state (next epoch, <paramref name="targetRegion"/> primary) is what the target takes over with. Once the checks
    /// pass, <paramref name="sign"/> signs the hand-off for that epoch, which the state carries to every Region.
    /// </summary>
    public SharedState BeginHandOff(string targetRegion, string targetArn, Func<long, HandOff> sign)
    {
        var mr = RequirePrimary(KeyOperation.UpdatePrimaryRegion, targetRegion, "only a multi-Region primary key can change its primary Region",
            "call UpdatePrimaryRegion on the primary key", "PrimaryRegion");

        if (!mr.ReplicaRegions.Contains(targetRegion))
        {
            throw KmsErrors.KeyNotFound(targetArn);
        }

        // The target's own state is checked again when it takes over; this refuses early what is already known.
        if (mr.Progress.TryGetValue(targetRegion, out var target))
        {
            if (target.PendingCreation is not null)
            {
                throw KmsErrors.InvalidState(targetArn, "creating");
            }

            if (target.KeyState is { } known)
            {
                KeyStateRules.Check(KeyOperation.UpdatePrimaryRegion, known, targetArn);
            }
        }

        mr.RecordHandOffs([sign(mr.Epoch + 1)]);
        StateBeforeUpdate = State;
        State = KeyState.Updating;
        mr.PrimaryRegion = targetRegion;
        mr.ReplaceReplicas(mr.ReplicaRegions.Where(r => r != targetRegion).Append(Region));
        mr.ForgetProgress();
        mr.StartProgress(targetRegion, new ReplicaProgress());
        return HandOffState();
    }

    /// <summary>While handing off: the state the new primary takes over with (one epoch on).</summary>
    public SharedState HandOffState()
    {
        var shared = Shared();
        return shared with { Epoch = shared.Epoch + 1, SyncVersion = shared.SyncVersion + 1 };
    }

    /// <summary>True while this key has handed the primary role to another Region and waits to hear it was taken.</summary>
    public bool IsHandingOff => State == KeyState.Updating && MultiRegion is { } mr && mr.PrimaryRegion != Region;

    /// <summary>On the new primary: takes over the set with the state the old primary sent.</summary>
    public void TakeOver(SharedState state)
    {
        var mr = RequireMultiRegion();
        mr.RecordHandOffs(state.HandOffs);
        mr.Epoch = state.Epoch;
        mr.SyncVersion = state.SyncVersion;
        mr.PrimaryRegion = Region;
        mr.ReplaceReplicas(state.ReplicaRegions.Where(r => r != Region));
        FollowSharedSettings(state);
        FollowImportedVersions(state.Materials);
        mr.ForgetProgress();
    }

    /// <summary>
    /// Break-glass, on a replica: takes the primary role from a primary that cannot be reached, for the next epoch, on
    /// the signed <paramref name="handOff"/> (checked by the caller). The old primary stays in the set as a replica: when
    /// it comes back it follows the hand-off.
    /// </summary>
    public void TakeOverBreakGlass(HandOff handOff)
    {
        var mr = RequireMultiRegion();
        if (IsPrimary || IsHandingOff || handOff.BreakGlass is null || handOff.Epoch != mr.Epoch + 1 || handOff.PreviousPrimary != mr.PrimaryRegion
            || handOff.NewPrimary != Region)
        {
            throw new InvalidOperationException($"{handOff.NewPrimary} cannot take {KeyId} from {handOff.PreviousPrimary} for epoch {handOff.Epoch}");
        }

        var previous = mr.PrimaryRegion;
        mr.RecordHandOffs([handOff]);
        mr.Epoch = handOff.Epoch;
        mr.SyncVersion++;
        mr.PrimaryRegion = Region;
        mr.ReplaceReplicas(mr.ReplicaRegions.Where(r => r != Region && r != previous).Append(previous));
        mr.ForgetProgress();
    }

    /// <summary>
    /// The target could not take over and handed the role straight back (<paramref name="decline"/>, two epochs on, checked
    /// for its signature by the caller): this key is primary again, in its earlier state, under the decline's epoch, so
    /// the offer it made can never be taken up later.
    /// </summary>
    public bool HandOffRefused(long epoch, HandOff decline)
    {
        if (!IsHandingOff || MultiRegion!.Epoch != epoch || decline.Epoch != epoch + 2 || decline.PreviousPrimary != MultiRegion.PrimaryRegion
            || decline.NewPrimary != Region)
        {
            return false;
        }

        var mr = MultiRegion;
        var target = mr.PrimaryRegion;
        mr.RecordHandOffs([decline]);
        mr.Epoch = decline.Epoch;
        mr.PrimaryRegion = Region;
        mr.ReplaceReplicas(mr.ReplicaRegions.Where(r => r != Region).Append(target));
        mr.ForgetProgress();
        mr.SyncVersion++;
        State = StateBeforeUpdate ?? KeyState.Enabled;
        StateBeforeUpdate = null;
        return true;
    }

    /// <summary>
    /// On the primary: <paramref name="replicaRegion"/>'s store went back in time, so it is sent the set again in full at
    /// once (a creation where it no longer holds the key, with this key's description, policy and tags: the replica's
    /// own were lost with its store). False when this key is not the primary of a set listing that Region.
    /// </summary>
    public bool ResendTo(string replicaRegion, DateTimeOffset now)
    {
        if (MultiRegion is not { } mr || !IsPrimary || !mr.ReplicaRegions.Contains(replicaRegion))
        {
            return false;
        }

        mr.ProgressOf(replicaRegion).Rejoined(new ReplicaCreation(Description, Policy, Tags.ToList()), now);
        return true;
    }

    /// <summary>While handing the primary role off: the offer is repeated at once (its target's store went back in time).</summary>
    public void RepeatHandOffNow(DateTimeOffset now)
    {
        if (IsHandingOff)
        {
            MultiRegion!.ProgressOf(MultiRegion.PrimaryRegion).RepeatNoEarlierThan(now);
        }
    }

    /// <summary>
    /// On a primary whose own store went back in time: nothing its replicas acknowledged can be counted on, so every
    /// replica is sent the latest state again at once; a replica that holds a later state answers with it.
    /// </summary>
    public void RepeatToEveryReplica(DateTimeOffset now)
    {
        if (MultiRegion is not { } mr || !IsPrimary)
        {
            return;
        }

        foreach (var replica in mr.ReplicaRegions)
        {
            var progress = new ReplicaProgress();
            progress.RepeatNoEarlierThan(now);
            mr.StartProgress(replica, progress);
        }
    }

    /// <summary>
    /// On a primary restored from a backup: a replica's <paramref name="view"/> of this key's own epoch that is newer than
    /// this store holds what this Region itself originated after the backup. It takes that state over (replicas,
    /// rotation settings, material states) at the same version, so a later transfer of the versions it lacks keeps
    /// their states; true when it did. Every replica is then sent the state again.
    /// </summary>
    public bool AdoptOwnLaterState(SharedState view, DateTimeOffset now)
    {
        if (MultiRegion is not { } mr || !IsPrimary || view.Epoch != mr.Epoch || view.PrimaryRegion != Region
            || !view.IsNewerThan(mr.Epoch, mr.SyncVersion))
        {
            return false;
        }

        mr.RecordHandOffs(view.HandOffs);
        mr.SyncVersion = view.SyncVersion;
        mr.ReplaceReplicas(view.ReplicaRegions.Where(r => r != Region));
        FollowSharedSettings(view);
        FollowImportedVersions(view.Materials);
        mr.ForgetProgress();
        RepeatToEveryReplica(now);
        return true;
    }

    /// <summary>What this Region remembers once the key is deleted for good.</summary>
    public KeyTombstone? Tombstone(DateTimeOffset now) =>
        MultiRegion is { } mr ? new KeyTombstone(KeyId, mr.PrimaryRegion, mr.Epoch, mr.SyncVersion, now) : null;

    /// <summary>The rotation settings and material states the set shares, as <paramref name="state"/> gives them.</summary>
    private void FollowSharedSettings(SharedState state)
    {
        Rotation.Enabled = state.RotationEnabled;
        Rotation.PeriodInDays = state.RotationPeriodInDays;
        Rotation.NextRotationDate = state.NextRotationDate;
        Rotation.OnDemandRotationStartDate = state.OnDemandRotationStartDate;
        ApplyMaterialStates(state.Materials);
    }

    private void ApplyMaterialStates(IReadOnlyList<MaterialInfo> infos)
    {
        foreach (var info in infos)
        {
            if (FindMaterial(info.MaterialId) is { } held)
            {
                held.State = info.State;
                held.RotationType = info.RotationType;
                held.CreatedAt = info.CreatedAt;
            }
        }
    }

    /// <summary>The checks ReplicateKey and UpdatePrimaryRegion share: a multi-Region primary in a state that allows it, another Region.</summary>
    private MultiRegionInfo RequirePrimary(KeyOperation operation, string targetRegion, string notMultiRegion, string callThePrimary, string field)
    {
        if (MultiRegion is not { } mr)
        {
            throw KmsErrors.Unsupported($"{Arn} is not a multi-Region key; {notMultiRegion}.");
        }

        if (!IsPrimary)
        {
            throw KmsErrors.Unsupported($"{Arn} is not a multi-Region primary key; {callThePrimary} in {mr.PrimaryRegion}.");
        }

        Require(operation);
        if (targetRegion == Region)
        {
            throw KmsErrors.Validation($"{field} {targetRegion} is the Region of the primary key; choose another Region.");
        }

        return mr;
    }

    private MultiRegionInfo RequireMultiRegion() =>
        MultiRegion ?? throw KmsErrors.Unsupported($"{Arn} is not a multi-Region key.");
}
