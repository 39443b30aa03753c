using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>The grants of this Region's keys (removed with their key).</summary>
public interface IGrantStore
{
    Task InsertGrantAsync(Grant grant, ICallRecord? record, CancellationToken cancellationToken);

    Task<Grant?> FindGrantAsync(string grantId, CancellationToken cancellationToken);

    /// <summary>A key's grants in grant-ID order after <paramref name="afterGrantId"/>, optionally of one grantee.</summary>
    Task<IReadOnlyList<Grant>> ListGrantsAsync(string keyId, string? granteePrincipal, string? afterGrantId, int limit, CancellationToken cancellationToken);

    /// <summary>Grants any key of this Region has whose retiring principal is <paramref name="retiringPrincipal"/>.</summary>
    Task<IReadOnlyList<Grant>> ListRetirableGrantsAsync(string retiringPrincipal, string? afterGrantId, int limit, CancellationToken cancellationToken);

    /// <summary>How many grants the key has, and how many of them name <paramref name="granteePrincipal"/> (for the grant quotas).</summary>
    Task<(int OnKey, int ForGrantee)> CountGrantsAsync(string keyId, string granteePrincipal, CancellationToken cancellationToken);

    Task<bool> DeleteGrantAsync(string grantId, ICallRecord? record, CancellationToken cancellationToken);
}
