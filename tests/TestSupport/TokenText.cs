namespace Grpc.Mrk.TestSupport;

/// <summary>The parts of a "prefix_id_secret" token (API keys, console keys) as tests look for them.</summary>
public static class TokenText
{
    /// <summary>Everything after the second underscore: the secret, which may itself hold underscores (base64url).</summary>
    public static string SecretOf(string token) => token[(token.IndexOf('_', token.IndexOf('_') + 1) + 1)..];
}
