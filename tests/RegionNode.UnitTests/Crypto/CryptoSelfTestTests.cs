using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class CryptoSelfTestTests
{
    private static readonly byte[] DomainKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void EveryCheck_PassesOnThisPlatform()
    {
        using var protector = new DomainKeyProtector(DomainKey, "us-east-1");
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Empty(CryptoSelfTest.Run(protector, [("replication signing key", signing)]));
    }

    [Fact]
    public void ADomainKeyThatDoesNotGiveBackWhatItWrapped_IsNamed()
    {
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Equal(["domain key wrap and unwrap"], CryptoSelfTest.Run(new AlteringProtector(), [("replication signing key", signing)]));
    }

    [Fact]
    public void ADomainKeyThatThrows_IsNamed_NotThrown()
    {
        Assert.Equal(["domain key wrap and unwrap"], CryptoSelfTest.Run(new ThrowingProtector(new CryptographicException("does not open")), []));
        Assert.Equal(["domain key wrap and unwrap"], CryptoSelfTest.Run(new ThrowingProtector(new InvalidOperationException("library state")), []));
    }

    [Fact]
    public void ASigningKeyWithoutItsPrivateHalf_IsNamed()
    {
        using var protector = new DomainKeyProtector(DomainKey, "us-east-1");
        using var full = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var publicOnly = ECDsa.Create(full.ExportParameters(includePrivateParameters: false));
        Assert.Equal(["audit digest signing key: sign and verify"],
            CryptoSelfTest.Run(protector, [("replication signing key", full), ("audit digest signing key", publicOnly)]));
    }

    private sealed class AlteringProtector : IMaterialProtector
    {
        public byte[] Wrap(ReadOnlySpan<byte> material, string keyId, string materialId) => material.ToArray();

        public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string keyId, string materialId)
        {
            var material = wrapped.ToArray();
            material[0] ^= 1;
            return material;
        }
    }

    private sealed class ThrowingProtector(Exception failure) : IMaterialProtector
    {
        public byte[] Wrap(ReadOnlySpan<byte> material, string keyId, string materialId) => material.ToArray();

        public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string keyId, string materialId) => throw failure;
    }
}
