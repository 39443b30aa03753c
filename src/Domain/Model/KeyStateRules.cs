using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// AWS's key-state table as one explicit table: for each group of operations and each key state, whether the call
/// goes ahead or which refusal it gets. Footnote numbers refer to the reference table.
/// </summary>
public static class KeyStateRules
{
    private enum Rule
    {
        Ok,
        Disabled,           // [1]
        PendingDeletion,    // [3]
        NotPendingDeletion, // [4]
        PendingImport,      // [5]
        ExternalOrigin,     // [6]
        Unavailable,        // [11]
        Creating,           // [14]
        Updating,           // [15]
    }

    private enum Group
    {
        CancelDeletion,
        AliasTarget,
        Crypto,
        Always,
        EnableDisable,
        RotationChange,
        RotationRead,
        ScheduleDeletion,
        Metadata,
        Replicate,
        PrimaryChange,
        Grant,
        OnDemandRotation,
        RotationList,
        ImportParameters,
        Import,
        DeleteImported,
    }

    // Columns: Creating, Enabled, Disabled, PendingDeletion, PendingImport, PendingReplicaDeletion, Unavailable, Updating.
    private static readonly Dictionary<Group, Rule[]> Table = new()
    {
        [Group.CancelDeletion] = [Rule.NotPendingDeletion, Rule.NotPendingDeletion, Rule.NotPendingDeletion, Rule.Ok, Rule.NotPendingDeletion, Rule.Ok, Rule.NotPendingDeletion, Rule.NotPendingDeletion],
        [Group.AliasTarget] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.Ok],
        // AWS's table allows DisabledException or KMSInvalidStateException for a pending-deletion key; the service
        // answers KMSInvalidStateException, and so do we.
        [Group.Crypto] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Unavailable, Rule.Ok],
        [Group.Always] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok],
        [Group.EnableDisable] = [Rule.Creating, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Ok, Rule.Updating],
        [Group.RotationChange] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.ExternalOrigin, Rule.PendingDeletion, Rule.Unavailable, Rule.Ok],
        [Group.RotationRead] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.ExternalOrigin, Rule.Ok, Rule.Unavailable, Rule.Ok],
        [Group.ScheduleDeletion] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.Updating],
        [Group.Metadata] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.Ok],
        // Unavailable is N/A in AWS's table (custom key stores never hold multi-Region keys); answered as for crypto.
        [Group.Replicate] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Unavailable, Rule.Updating],
        [Group.Grant] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Ok, Rule.Ok],
        // Rotation of imported material; for generated material this row equals RotationChange (no key is PendingImport).
        [Group.OnDemandRotation] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Unavailable, Rule.Ok],
        [Group.RotationList] = [Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Unavailable, Rule.Ok],
        // The origin check ([9]: only EXTERNAL keys take imports) comes before these rows.
        [Group.ImportParameters] = [Rule.Creating, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.PendingDeletion, Rule.Unavailable, Rule.Updating],
        [Group.Import] = [Rule.Creating, Rule.Ok, Rule.Ok, Rule.PendingDeletion, Rule.Ok, Rule.PendingDeletion, Rule.Unavailable, Rule.Ok],
        [Group.DeleteImported] = [Rule.Creating, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Ok, Rule.Unavailable, Rule.Updating],
        [Group.PrimaryChange] = [Rule.Creating, Rule.Ok, Rule.Disabled, Rule.PendingDeletion, Rule.PendingImport, Rule.PendingDeletion, Rule.Unavailable, Rule.Ok],
    };

    /// <summary>Throws the refusal AWS gives for <paramref name="operation"/> on a key in <paramref name="state"/>.</summary>
    public static void Check(KeyOperation operation, KeyState state, string keyArn)
    {
        var rule = Table[GroupOf(operation)][(int)state];
        var error = ErrorFor(rule, keyArn);
        if (error is not null)
        {
            throw error;
        }
    }

    private static KmsException? ErrorFor(Rule rule, string keyArn) => rule switch
    {
        Rule.Ok => null,
        Rule.Disabled => KmsErrors.Disabled(keyArn),
        Rule.PendingDeletion => KmsErrors.InvalidState(keyArn, "pending deletion"),
        Rule.NotPendingDeletion => KmsErrors.InvalidState(keyArn, "not pending deletion"),
        Rule.PendingImport => KmsErrors.InvalidState(keyArn, "pending import"),
        Rule.ExternalOrigin => KmsErrors.Unsupported($"{keyArn} origin is EXTERNAL which is not valid for this operation."),
        Rule.Unavailable => KmsErrors.InvalidState(keyArn, "unavailable"),
        Rule.Creating => KmsErrors.InvalidState(keyArn, "creating"),
        Rule.Updating => KmsErrors.InvalidState(keyArn, "updating"),
        _ => throw new InvalidOperationException($"unhandled rule {rule}"),
    };

    private static Group GroupOf(KeyOperation operation) => operation switch
    {
        KeyOperation.CancelKeyDeletion => Group.CancelDeletion,
        KeyOperation.CreateAlias or KeyOperation.UpdateAlias => Group.AliasTarget,
        KeyOperation.Encrypt or KeyOperation.Decrypt or KeyOperation.ReEncrypt or KeyOperation.GenerateDataKey
            or KeyOperation.GenerateDataKeyWithoutPlaintext or KeyOperation.GenerateDataKeyPair
            or KeyOperation.GenerateDataKeyPairWithoutPlaintext or KeyOperation.Sign or KeyOperation.Verify
            or KeyOperation.GenerateMac or KeyOperation.VerifyMac or KeyOperation.GetPublicKey
            or KeyOperation.DeriveSharedSecret => Group.Crypto,
        KeyOperation.DeleteAlias or KeyOperation.DescribeKey or KeyOperation.GetKeyPolicy or KeyOperation.PutKeyPolicy
            or KeyOperation.ListKeyPolicies or KeyOperation.ListResourceTags or KeyOperation.ListAliases or KeyOperation.ListGrants
            or KeyOperation.RetireGrant or KeyOperation.RevokeGrant => Group.Always,
        KeyOperation.CreateGrant => Group.Grant,
        KeyOperation.EnableKey or KeyOperation.DisableKey => Group.EnableDisable,
        KeyOperation.EnableKeyRotation or KeyOperation.DisableKeyRotation => Group.RotationChange,
        KeyOperation.RotateKeyOnDemand => Group.OnDemandRotation,
        KeyOperation.GetKeyRotationStatus => Group.RotationRead,
        KeyOperation.ListKeyRotations => Group.RotationList,
        KeyOperation.GetParametersForImport => Group.ImportParameters,
        KeyOperation.ImportKeyMaterial => Group.Import,
        KeyOperation.DeleteImportedKeyMaterial => Group.DeleteImported,
        KeyOperation.ScheduleKeyDeletion => Group.ScheduleDeletion,
        KeyOperation.TagResource or KeyOperation.UntagResource or KeyOperation.UpdateKeyDescription => Group.Metadata,
        KeyOperation.ReplicateKey => Group.Replicate,
        KeyOperation.UpdatePrimaryRegion => Group.PrimaryChange,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };
}
