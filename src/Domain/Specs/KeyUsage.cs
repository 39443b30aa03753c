namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's KeyUsage values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum KeyUsage
{
    ENCRYPT_DECRYPT,
    SIGN_VERIFY,
    GENERATE_VERIFY_MAC,
    KEY_AGREEMENT,
}
