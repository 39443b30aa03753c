using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

public sealed record EncryptResult(string KeyArn, byte[] CiphertextBlob, EncryptionAlgorithm Algorithm);

public sealed record DecryptResult(string KeyArn, byte[] Plaintext, EncryptionAlgorithm Algorithm, string? KeyMaterialId);

public sealed record ReEncryptResult(DecryptResult Source, EncryptResult Destination, string? DestinationKeyMaterialId);

public sealed record DataKeyResult(string KeyArn, byte[] CiphertextBlob, byte[] Plaintext, string KeyMaterialId);

public sealed record DataKeyPairResult(
    string KeyArn,
    byte[] PrivateKeyCiphertextBlob,
    byte[] PrivateKeyPlaintext,
    byte[] PublicKey,
    DataKeyPairSpec KeyPairSpec,
    string KeyMaterialId);

public sealed record SignResult(string KeyArn, byte[] Signature, SigningAlgorithm Algorithm);

public sealed record PublicKeyResult(KmsKey Key, byte[] PublicKey);

public sealed record MacResult(string KeyArn, byte[] Mac, MacAlgorithm Algorithm);

public sealed record SharedSecretResult(string KeyArn, byte[] SharedSecret, KeyOrigin Origin);
