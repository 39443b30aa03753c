using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// A KMS key in this Region. Its state changes only through the guarded methods below, each of which applies AWS's
/// key-state rules before it changes anything.
/// </summary>
public sealed partial class KmsKey
{
    public const int MaxOnDemandRotations = 25;

    private readonly List<KeyMaterialVersion> _materials;
    private readonly List<Tag> _tags;

    public KmsKey(
        string keyId,
        string arn,
        DateTimeOffset creationDate,
        KeySpec keySpec,
        KeyUsage keyUsage,
        KeyOrigin origin,
        KeyState state,
        string description,
        string policy,
        IEnumerable<Tag> tags,
        MultiRegionInfo? multiRegion,
        IEnumerable<KeyMaterialVersion> materials)
    {
        KeyId = keyId;
        Arn = arn;
        CreationDate = creationDate;
        KeySpec = keySpec;
        KeyUsage = keyUsage;
        Origin = origin;
        State = state;
        Description = description;
        Policy = policy;
        _tags = tags.ToList();
        MultiRegion = multiRegion;
        _materials = materials.OrderBy(m => m.Ordinal).ToList();
    }

    public string KeyId { get; }

    public string Arn { get; }

    /// <summary>The Region this key lives in (the fourth field of its ARN).</summary>
    public string Region => Arn.Split(':')[3];

    public DateTimeOffset CreationDate { get; }

    public KeySpec KeySpec { get; }

    public KeySpecInfo SpecInfo => KeySpecCatalog.Get(KeySpec);

    public KeyUsage KeyUsage { get; }

    public KeyOrigin Origin { get; }

    public KeyState State { get; private set; }

    public string Description { get; private set; }

    public string Policy { get; private set; }

    /// <summary>
    /// The unique ID of each user or role the policy names, by ARN, as they were when the policy was set: a named
    /// principal matches only the principal of that ID.
    /// </summary>
    public IReadOnlyDictionary<string, string> PolicyPrincipals { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<Tag> Tags => _tags;

    public DateTimeOffset? DeletionDate { get; private set; }

    public int? PendingWindowInDays { get; private set; }

    public MultiRegionInfo? MultiRegion { get; }

    public bool IsMultiRegion => MultiRegion is not null;

    public RotationSettings Rotation { get; } = new();

    public IReadOnlyList<KeyMaterialVersion> Materials => _materials;

    /// <summary>The version new ciphertexts, signatures and MACs use.</summary>
    public KeyMaterialVersion CurrentMaterial =>
        _materials.LastOrDefault(m => m.State == KeyMaterialState.CURRENT)
        ?? throw new InvalidOperationException($"key {KeyId} has no current material");

    public int OnDemandRotationCount => _materials.Count(m => m.RotationType == RotationType.ON_DEMAND);

    /// <summary>
    /// True when this kind of key rotates at all: symmetric encryption keys. Those with imported material rotate only on
    /// demand, into material the caller imported first.
    /// </summary>
    public bool SupportsRotation => KeySpec == KeySpec.SYMMETRIC_DEFAULT;

    /// <summary>True when automatic rotation applies (AWS: symmetric keys with AWS_KMS origin).</summary>
    public bool SupportsAutomaticRotation => SupportsRotation && Origin == KeyOrigin.AWS_KMS;

    public KeyMaterialVersion? FindMaterial(string materialId) => _materials.Find(m => m.MaterialId == materialId);

    /// <summary>Refuses <paramref name="operation"/> the way AWS does for the key's current state.</summary>
    public void Require(KeyOperation operation) => KeyStateRules.Check(operation, State, Arn);

    public void RequireUsage(KeyUsage usage, string operationName)
    {
        if (KeyUsage != usage)
        {
            throw KmsErrors.InvalidKeyUsage($"{Arn} key usage is {KeyUsage} which is not valid for {operationName}.");
        }
    }

    /// <summary>True when this key is the primary of its multi-Region set.</summary>
    public bool IsPrimary => MultiRegion is { } mr && mr.PrimaryRegion == Region;

    public void Enable()
    {
        Require(KeyOperation.EnableKey);
        State = KeyState.Enabled;
    }

    public void Disable()
    {
        Require(KeyOperation.DisableKey);
        State = KeyState.Disabled;
    }

    public void UpdateDescription(string description)
    {
        Require(KeyOperation.UpdateKeyDescription);
        Description = description;
    }

    public void PutPolicy(string policy, IReadOnlyDictionary<string, string> principals)
    {
        Require(KeyOperation.PutKeyPolicy);
        Policy = policy;
        PolicyPrincipals = principals;
    }

    /// <summary>Sets the principals of the policy the key was created (or stored) with; see <see cref="PolicyPrincipals"/>.</summary>
    public KmsKey WithPolicyPrincipals(IReadOnlyDictionary<string, string> principals)
    {
        PolicyPrincipals = principals;
        return this;
    }

    public void ScheduleDeletion(DateTimeOffset now, int pendingWindowInDays)
    {
        Require(KeyOperation.ScheduleKeyDeletion);
        PendingWindowInDays = pendingWindowInDays;
        if (IsPrimary && MultiRegion!.ReplicaRegions.Count > 0)
        {
            // A primary waits for its replicas; its window starts when the last one is gone.
            State = KeyState.PendingReplicaDeletion;
            DeletionDate = null;
            return;
        }

        State = KeyState.PendingDeletion;
        DeletionDate = now.AddDays(pendingWindowInDays);
    }

    public void CancelDeletion()
    {
        Require(KeyOperation.CancelKeyDeletion);
        State = KeyState.Disabled;
        DeletionDate = null;
        PendingWindowInDays = null;
        RefreshImportState();
    }

    public void Tag(IReadOnlyList<Tag> tags, int maxTags)
    {
        Require(KeyOperation.TagResource);
        foreach (var tag in tags)
        {
            var index = _tags.FindIndex(t => t.TagKey == tag.TagKey);
            if (index >= 0)
            {
                _tags[index] = tag;
            }
            else
            {
                _tags.Add(tag);
            }
        }

        if (_tags.Count > maxTags)
        {
            throw KmsErrors.LimitExceeded($"A KMS key can have at most {maxTags} tags.");
        }
    }

    public void Untag(IReadOnlyCollection<string> tagKeys)
    {
        Require(KeyOperation.UntagResource);
        _tags.RemoveAll(t => tagKeys.Contains(t.TagKey));
    }

    public void EnableRotation(DateTimeOffset now, int periodInDays)
    {
        RequireRotationSupported(KeyOperation.EnableKeyRotation);
        var baseline = Rotation.Enabled && Rotation.PeriodInDays == periodInDays ? Rotation.NextRotationDate : null;
        Rotation.Enabled = true;
        Rotation.PeriodInDays = periodInDays;
        Rotation.NextRotationDate = baseline ?? LastRotationOrCreation().AddDays(periodInDays) switch
        {
            var due when due > now => due,
            _ => now,
        };
    }

    public void DisableRotation()
    {
        RequireRotationSupported(KeyOperation.DisableKeyRotation);
        Rotation.Enabled = false;
        Rotation.NextRotationDate = null;
    }

    /// <summary>Adds a new material version and makes it current, the previous one non-current.</summary>
    public void Rotate(KeyMaterialVersion next, DateTimeOffset now)
    {
        var operation = next.RotationType == RotationType.ON_DEMAND ? KeyOperation.RotateKeyOnDemand : KeyOperation.EnableKeyRotation;
        RequireRotationSupported(operation);
        if (next.RotationType == RotationType.ON_DEMAND)
        {
            RequireOnDemandRotationAllowed();
            Rotation.OnDemandRotationStartDate = now;
        }

        if (_materials.Any(m => m.State == KeyMaterialState.PENDING_ROTATION))
        {
            throw KmsErrors.Conflict($"{Arn} has a rotation in progress; it completes when every replica has the new key material.");
        }

        if (MultiRegion is { ReplicaRegions.Count: > 0 })
        {
            // Two-phase: the new version decrypts at once but encrypts only when every replica holds it.
            next.State = KeyMaterialState.PENDING_ROTATION;
            _materials.Add(next);
        }
        else
        {
            MakeCurrent(next);
            _materials.Add(next);
        }
        if (Rotation.Enabled && Rotation.PeriodInDays is { } period)
        {
            Rotation.NextRotationDate = now.AddDays(period);
        }
    }

    private void MakeCurrent(KeyMaterialVersion version)
    {
        foreach (var current in _materials.Where(m => m.State == KeyMaterialState.CURRENT))
        {
            current.State = KeyMaterialState.NON_CURRENT;
        }

        version.State = KeyMaterialState.CURRENT;
    }

    public int NextMaterialOrdinal => _materials.Count == 0 ? 0 : _materials[^1].Ordinal + 1;

    /// <summary>Restores persisted fields that only the repository sets.</summary>
    public void Restore(DateTimeOffset? deletionDate, int? pendingWindowInDays, bool rotationEnabled, int? rotationPeriod,
        DateTimeOffset? nextRotation, DateTimeOffset? onDemandStart, KeyState? stateBeforeUpdate = null)
    {
        StateBeforeUpdate = stateBeforeUpdate;
        DeletionDate = deletionDate;
        PendingWindowInDays = pendingWindowInDays;
        Rotation.Enabled = rotationEnabled;
        Rotation.PeriodInDays = rotationPeriod;
        Rotation.NextRotationDate = nextRotation;
        Rotation.OnDemandRotationStartDate = onDemandStart;
    }

    /// <summary>
    /// Applies the state rules of <paramref name="operation"/>, then refuses keys that cannot rotate at all
    /// (key-state table footnote 7): asymmetric, HMAC and imported keys.
    /// </summary>
    public void RequireRotationSupported(KeyOperation operation)
    {
        var onDemandOnly = operation is KeyOperation.RotateKeyOnDemand or KeyOperation.ListKeyRotations;
        if (Origin == KeyOrigin.EXTERNAL && !(onDemandOnly && SupportsRotation))
        {
            throw KmsErrors.Unsupported($"{Arn} origin is EXTERNAL which is not valid for this operation.");
        }

        Require(operation);
        if (!SupportsRotation)
        {
            throw KmsErrors.Unsupported($"{Arn} key spec {KeySpec} does not support key rotation; only symmetric encryption keys rotate.");
        }

        if (operation is not (KeyOperation.GetKeyRotationStatus or KeyOperation.ListKeyRotations) && MultiRegion is { } mr && !IsPrimary)
        {
            throw KmsErrors.Unsupported(
                $"{Arn} is a multi-Region replica key; rotation is managed on the primary key in {mr.PrimaryRegion} and synchronized to replicas.");
        }
    }

    private DateTimeOffset LastRotationOrCreation() => _materials.Count == 0 ? CreationDate : _materials[^1].CreatedAt;

}
