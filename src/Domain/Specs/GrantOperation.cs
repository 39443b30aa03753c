namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's grant operations, spelled as AWS spells them (they appear in kms:GrantOperations conditions).</summary>
public enum GrantOperation
{
    Decrypt,
    Encrypt,
    GenerateDataKey,
    GenerateDataKeyWithoutPlaintext,
    ReEncryptFrom,
    ReEncryptTo,
    Sign,
    Verify,
    GetPublicKey,
    CreateGrant,
    RetireGrant,
    DescribeKey,
    GenerateDataKeyPair,
    GenerateDataKeyPairWithoutPlaintext,
    GenerateMac,
    VerifyMac,
    DeriveSharedSecret,
}
