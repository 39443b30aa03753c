using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class SymmetricEnvelopeTests
{
    private const string KeyId = "mrk-1234abcd12ab34cd56ef1234567890ab";
    private static readonly string MaterialId = new('7', 64);
    private static readonly byte[] Material = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly Dictionary<string, string> Context = new() { ["app"] = "payroll", ["tenant"] = "7", ["ü"] = "ß" };
    private readonly SymmetricEnvelope _envelope = new();

    [Fact]
    public void Encrypt_ThenDecrypt_RoundTrips()
    {
        var plaintext = RandomNumberGenerator.GetBytes(4096);
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, plaintext, Context);
        Assert.Equal(plaintext, _envelope.Decrypt(Material, blob, Context));
        Assert.Equal(new CiphertextHeader(KeyId, MaterialId), _envelope.ReadHeader(blob));
    }

    [Fact]
    public void Decrypt_ContextInAnotherOrder_StillDecrypts()
    {
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, [1, 2, 3], Context);
        var reordered = Context.Reverse().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal([1, 2, 3], _envelope.Decrypt(Material, blob, reordered));
    }

    [Fact]
    public void Decrypt_AnySingleBitFlipped_Fails()
    {
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, "attack at dawn"u8, Context);
        for (var bit = 0; bit < blob.Length * 8; bit++)
        {
            var tampered = (byte[])blob.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Null(_envelope.Decrypt(Material, tampered, Context));
        }
    }

    [Fact]
    public void Decrypt_ContextPairChangedOrRemovedOrAdded_Fails()
    {
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, [42], Context);
        foreach (var key in Context.Keys)
        {
            var changed = new Dictionary<string, string>(Context) { [key] = Context[key] + "x" };
            Assert.Null(_envelope.Decrypt(Material, blob, changed));
            var removed = new Dictionary<string, string>(Context);
            removed.Remove(key);
            Assert.Null(_envelope.Decrypt(Material, blob, removed));
        }

        Assert.Null(_envelope.Decrypt(Material, blob, new Dictionary<string, string>(Context) { ["extra"] = string.Empty }));
        Assert.Null(_envelope.Decrypt(Material, blob, new Dictionary<string, string>()));
    }

    [Fact]
    public void Decrypt_ContextBoundariesShifted_Fails()
    {
        // Length prefixes keep {"ab":"c"} and {"a":"bc"} apart.
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, [1], new Dictionary<string, string> { ["ab"] = "c" });
        Assert.Null(_envelope.Decrypt(Material, blob, new Dictionary<string, string> { ["a"] = "bc" }));
    }

    [Fact]
    public void Decrypt_OtherMaterial_Fails()
    {
        var blob = _envelope.Encrypt(Material, KeyId, MaterialId, [1], Context);
        var other = (byte[])Material.Clone();
        other[0] ^= 1;
        Assert.Null(_envelope.Decrypt(other, blob, Context));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("01")]
    [InlineData("0100")]
    [InlineData("02056162636465")]
    [InlineData("01ff")]
    public void ReadHeader_Garbage_Null(string hex)
    {
        var blob = Convert.FromHexString(hex);
        Assert.Null(_envelope.ReadHeader(blob));
        Assert.Null(_envelope.Decrypt(Material, blob, Context));
    }

    [Fact]
    public void Encrypt_SamePlaintextTwice_DifferentCiphertexts()
    {
        var a = _envelope.Encrypt(Material, KeyId, MaterialId, [1, 2, 3], Context);
        var b = _envelope.Encrypt(Material, KeyId, MaterialId, [1, 2, 3], Context);
        Assert.NotEqual(a, b);
    }

    /// <summary>
    /// A ciphertext of format v1 made once, by an independent implementation of the documented format (Python
    /// cryptography: HKDF-SHA256 + AES-GCM), and kept forever: every later version must still decrypt it.
    /// </summary>
    [Fact]
    public void Decrypt_FixedFormatV1Vector_StillDecrypts()
    {
        var blob = Convert.FromHexString(FormatV1Vector);
        Assert.Equal("fixed vector, format v1"u8.ToArray(), _envelope.Decrypt(Material, blob, new Dictionary<string, string> { ["purpose"] = "test-vector" }));
    }

    private const string FormatV1Vector =
        "0124" + "6d726b2d3132333461626364313261623334636435366566313233343536373839306162" + FixedTail;

    private const string FixedTail =
        "7777777777777777777777777777777777777777777777777777777777777777000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaabbfeebc585be2af3fc216fe5c50ac3a11598992750ada1e666cdb9c03f7de3b0d37d7db9d903197";
}
