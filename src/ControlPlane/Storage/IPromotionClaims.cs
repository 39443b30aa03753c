namespace Grpc.Mrk.ControlPlane.Storage;

/// <summary>
/// Break-glass promotions granted, one Region per key set and epoch: the first claim is kept for good, so two replicas
/// promoted at once can never both take over a set. The ControlPlane sees no key: only the ID and the epoch.
/// </summary>
public interface IPromotionClaims
{
    /// <summary>Records the claim unless one exists; returns the Region holding the claim (the caller when granted).</summary>
    Task<string> ClaimAsync(string keyId, long fromEpoch, string region, CancellationToken cancellationToken);
}
