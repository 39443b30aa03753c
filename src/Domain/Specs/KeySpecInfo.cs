namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>What a key spec allows: its key usages and, per usage, its algorithms.</summary>
public sealed record KeySpecInfo(
    KeySpec Spec,
    IReadOnlyList<KeyUsage> Usages,
    IReadOnlyList<EncryptionAlgorithm> EncryptionAlgorithms,
    IReadOnlyList<SigningAlgorithm> SigningAlgorithms,
    IReadOnlyList<MacAlgorithm> MacAlgorithms,
    IReadOnlyList<KeyAgreementAlgorithm> KeyAgreementAlgorithms)
{
    public bool IsSymmetric => Spec == KeySpec.SYMMETRIC_DEFAULT;

    public bool IsHmac => MacAlgorithms.Count > 0;

    public bool IsAsymmetric => !IsSymmetric && !IsHmac;

    public IReadOnlyList<EncryptionAlgorithm> EncryptionAlgorithmsFor(KeyUsage usage) =>
        usage == KeyUsage.ENCRYPT_DECRYPT ? EncryptionAlgorithms : [];

    public IReadOnlyList<SigningAlgorithm> SigningAlgorithmsFor(KeyUsage usage) =>
        usage == KeyUsage.SIGN_VERIFY ? SigningAlgorithms : [];

    public IReadOnlyList<MacAlgorithm> MacAlgorithmsFor(KeyUsage usage) =>
        usage == KeyUsage.GENERATE_VERIFY_MAC ? MacAlgorithms : [];

    public IReadOnlyList<KeyAgreementAlgorithm> KeyAgreementAlgorithmsFor(KeyUsage usage) =>
        usage == KeyUsage.KEY_AGREEMENT ? KeyAgreementAlgorithms : [];
}
