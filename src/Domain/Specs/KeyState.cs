namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's KeyState values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum KeyState
{
    Creating,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
}
