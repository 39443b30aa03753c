using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class DomainKeyProtectorTests
{
    private static readonly byte[] DomainKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Wrap_ThenUnwrap_RoundTripsAndHidesMaterial()
    {
        using var protector = new DomainKeyProtector(DomainKey, "us-east-1");
        var material = RandomNumberGenerator.GetBytes(32);
        var wrapped = protector.Wrap(material, "k", "m");
        Assert.Equal(-1, wrapped.AsSpan().IndexOf(material.AsSpan(0, 8)));
        Assert.Equal(material, protector.Unwrap(wrapped, "k", "m"));
    }

    [Theory]
    [InlineData("other-key", "m", "us-east-1")]
    [InlineData("k", "other-version", "us-east-1")]
    [InlineData("k", "m", "eu-west-1")]
    public void Unwrap_MovedToOtherKeyVersionOrRegion_Fails(string keyId, string materialId, string region)
    {
        using var writer = new DomainKeyProtector(DomainKey, "us-east-1");
        using var reader = new DomainKeyProtector(DomainKey, region);
        var wrapped = writer.Wrap([1, 2, 3], "k", "m");
        Assert.ThrowsAny<CryptographicException>(() => reader.Unwrap(wrapped, keyId, materialId));
    }

    [Fact]
    public void Unwrap_OtherDomainKey_Fails()
    {
        using var writer = new DomainKeyProtector(DomainKey, "us-east-1");
        using var reader = new DomainKeyProtector(RandomNumberGenerator.GetBytes(32), "us-east-1");
        Assert.ThrowsAny<CryptographicException>(() => reader.Unwrap(writer.Wrap([1], "k", "m"), "k", "m"));
    }
}
