using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>This Region's principals and their API keys.</summary>
public interface IPrincipalStore
{
    Task<Principal?> FindPrincipalAsync(string arn, CancellationToken cancellationToken);

    /// <summary>Stores a new principal; false when one with that ARN exists.</summary>
    Task<bool> InsertPrincipalAsync(Principal principal, ICallRecord? record, CancellationToken cancellationToken);

    Task<IReadOnlyList<Principal>> ListPrincipalsAsync(CancellationToken cancellationToken);

    /// <summary>Removes the principal and revokes its keys; false when there is none.</summary>
    Task<bool> DeletePrincipalAsync(string arn, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken);

    Task InsertApiKeyAsync(ApiKey key, ICallRecord? record, CancellationToken cancellationToken);

    Task<ApiKey?> FindApiKeyAsync(string keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(string principalArn, CancellationToken cancellationToken);

    /// <summary>Marks the key revoked; false when there is no such key.</summary>
    Task<bool> RevokeApiKeyAsync(string keyId, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken);

    Task InsertAccessKeyAsync(AccessKey key, ICallRecord? record, CancellationToken cancellationToken);

    Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccessKey>> ListAccessKeysAsync(string principalArn, CancellationToken cancellationToken);

    /// <summary>Marks the access key revoked; false when there is no such key.</summary>
    Task<bool> RevokeAccessKeyAsync(string accessKeyId, DateTimeOffset now, ICallRecord? record, CancellationToken cancellationToken);
}
