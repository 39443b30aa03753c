using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Creates material versions and lends their plaintext, read-only, to operations: from the bounded cache of unwrapped
/// versions, or unwrapped under the domain key on a miss.
/// </summary>
public sealed class KeyMaterials(IKeyMaterialFactory factory, IMaterialProtector protector, TimeProvider time, UnwrappedMaterialCache cache)
{
    /// <summary>A new version for <paramref name="keyId"/>, generated and wrapped; the plaintext never outlives this call.</summary>
    public KeyMaterialVersion CreateVersion(string keyId, KeySpec spec, int ordinal, DateTimeOffset now, RotationType? rotationType)
    {
        var material = factory.Generate(spec);
        try
        {
            var materialId = factory.MaterialId(keyId, material);
            var wrapped = protector.Wrap(material, keyId, materialId);
            return new KeyMaterialVersion(materialId, ordinal, now, rotationType, KeyMaterialState.CURRENT, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    public T Use<T>(KmsKey key, KeyMaterialVersion version, MaterialOperation<T> operation)
    {
        // Imported material not held here, or past its ValidTo before the expiry sweep deleted it, cannot be used.
        if (version.WrappedMaterial is not { } wrapped || version.HasExpired(time.GetUtcNow()))
        {
            throw KmsErrors.InvalidState(key.Arn, "pending import");
        }

        // Everything a call checks comes before this line; a dry run stops here, having used nothing.
        if (DryRun.IsRequested)
        {
            throw KmsErrors.DryRun();
        }

        return cache.Use(key.KeyId, version.MaterialId, () => protector.Unwrap(wrapped, key.KeyId, version.MaterialId), operation);
    }
}
