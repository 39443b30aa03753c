using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Creates material versions and lends their plaintext to one operation at a time, zeroing it afterwards.</summary>
public sealed class KeyMaterials(IKeyMaterialFactory factory, IMaterialProtector protector, TimeProvider time)
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

    public T Use<T>(KmsKey key, KeyMaterialVersion version, Func<byte[], T> operation)
    {
        // Imported material not held here, or past its ValidTo before the expiry sweep deleted it, cannot be used.
        if (version.WrappedMaterial is not { } wrapped || version.HasExpired(time.GetUtcNow()))
        {
            throw KmsErrors.InvalidState(key.Arn, "pending import");
        }

        var material = protector.Unwrap(wrapped, key.KeyId, version.MaterialId);
        try
        {
            return operation(material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}
