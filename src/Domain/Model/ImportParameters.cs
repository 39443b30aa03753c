using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// What GetParametersForImport handed out, as stored: the token's ID (never the token), the key and wrapping choices it
/// is bound to, and the private wrapping key wrapped under the Region's domain key.
/// </summary>
public sealed record ImportParameters(
    string TokenId,
    string KeyId,
    WrappingAlgorithm Algorithm,
    WrappingKeySpec WrappingKeySpec,
    byte[] WrappedPrivateKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset ValidTo)
{
    /// <summary>How long a token and its public key can be used.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>The name the private wrapping key is bound to when wrapped under the domain key.</summary>
    public static string ProtectionLabel(string tokenId) => $"import-token:{tokenId}";
}
