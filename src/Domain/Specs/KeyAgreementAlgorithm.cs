namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's KeyAgreementAlgorithm values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum KeyAgreementAlgorithm
{
    ECDH,
}
