using System.Text;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// A grant token: the grant's ID in token form. Grants here take effect the moment CreateGrant returns, so a token
/// confers nothing by itself; a request that carries one that is not a grant token is refused, as AWS refuses it.
/// </summary>
public static class GrantToken
{
    private const string Label = "mrk-grant-token/v1:";

    public static string Of(string grantId) => Convert.ToBase64String(Encoding.ASCII.GetBytes(Label + grantId));

    /// <summary>The grant ID the token names, or null when it is not a grant token.</summary>
    public static string? IdOf(string token)
    {
        var buffer = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, buffer, out var written))
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(buffer, 0, written);
        return text.StartsWith(Label, StringComparison.Ordinal) && text.Length == Label.Length + 64 && text[Label.Length..].All(char.IsAsciiHexDigitLower)
            ? text[Label.Length..]
            : null;
    }
}
