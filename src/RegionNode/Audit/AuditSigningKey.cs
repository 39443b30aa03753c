using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The Region's ECDSA P-384 key that signs audit digests. Made on first use; its private half is stored only wrapped
/// under the domain key (re-wrapped by rotate-domain-key), its public half in the clear so anyone can check digests.
/// </summary>
public sealed class AuditSigningKey(NodeMeta meta, DomainKeyHolder domainKey) : IDisposable
{
    private const string PrivateName = "wrapped:audit-signing-key";
    private const string PublicName = "audit-signing-public-key";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ECDsa? _key;

    public async Task<ECDsa> GetAsync(CancellationToken cancellationToken)
    {
        if (_key is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is not null)
            {
                return _key;
            }

            var key = ECDsa.Create();
            var wrapped = await meta.GetAsync(PrivateName, cancellationToken).ConfigureAwait(false);
            if (wrapped is null)
            {
                key.GenerateKey(ECCurve.NamedCurves.nistP384);
                var pkcs8 = key.ExportPkcs8PrivateKey();
                try
                {
                    await meta.SetAsync(PrivateName, domainKey.Protector.Wrap(pkcs8, NodeMeta.WrappedOwner, PrivateName), cancellationToken).ConfigureAwait(false);
                    await meta.SetAsync(PublicName, key.ExportSubjectPublicKeyInfo(), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }
            else
            {
                var pkcs8 = domainKey.Protector.Unwrap(wrapped, NodeMeta.WrappedOwner, PrivateName);
                try
                {
                    key.ImportPkcs8PrivateKey(pkcs8, out _);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            return _key = key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The public key as PEM, for checking digests outside the node.</summary>
    public async Task<string> PublicKeyPemAsync(CancellationToken cancellationToken) =>
        (await GetAsync(cancellationToken).ConfigureAwait(false)).ExportSubjectPublicKeyInfoPem();

    public void Dispose()
    {
        _key?.Dispose();
        _gate.Dispose();
    }
}
