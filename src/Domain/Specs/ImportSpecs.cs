namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's ImportType values: new material for a rotation, or material the key already knows.</summary>
public enum ImportType
{
    NEW_KEY_MATERIAL,
    EXISTING_KEY_MATERIAL,
}

/// <summary>AWS KMS's ExpirationModelType values.</summary>
public enum ExpirationModel
{
    KEY_MATERIAL_EXPIRES,
    KEY_MATERIAL_DOES_NOT_EXPIRE,
}

/// <summary>The RSA key pair that wraps material in transit to ImportKeyMaterial.</summary>
public enum WrappingKeySpec
{
    RSA_2048,
    RSA_3072,
    RSA_4096,
}

/// <summary>How imported material is wrapped (AWS's AlgorithmSpec values that this product accepts).</summary>
public enum WrappingAlgorithm
{
    RSAES_OAEP_SHA_1,
    RSAES_OAEP_SHA_256,
    RSA_AES_KEY_WRAP_SHA_1,
    RSA_AES_KEY_WRAP_SHA_256,
}
