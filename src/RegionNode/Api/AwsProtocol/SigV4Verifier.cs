using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>An HTTP request as Signature Version 4 sees it: headers by lowercase name (values of a repeated header in order).</summary>
public sealed record SignedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, ReadOnlyMemory<byte> Body);

/// <summary>What the Authorization header claims: who signed, for which day, Region and service, over which headers.</summary>
public sealed record SigV4Claim(string AccessKeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature,
    string AmzDate);

/// <summary>
/// Checks AWS Signature Version 4 (AWS4-HMAC-SHA256) as AWS services check it, with AWS's refusals: the credential scope
/// must be this Region's KMS, X-Amz-Date within 5 minutes of the node's clock, host and x-amz-date signed, the body's
/// hash the one signed, and the signature equal in constant time. Derived signing keys are cached per access key, day and
/// secret, so a request costs two HMACs and one SHA-256 of its body.
/// </summary>
public sealed class SigV4Verifier(string region, TimeProvider time)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Service = "kms";
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);
    private const int MaxCachedKeys = 4096;
    private readonly ConcurrentDictionary<(string AccessKeyId, string Date, string SecretHash), byte[]> _signingKeys = new();

    /// <summary>Reads the Authorization header; refuses what no valid signature could come with before any secret is looked up.</summary>
    public SigV4Claim Parse(SignedRequest request)
    {
        if (Header(request, "x-amz-security-token") is not null)
        {
            // Temporary credentials would need a token service; there is none, so no session token is valid.
            throw KmsErrors.UnrecognizedClient();
        }

        var authorization = Header(request, "authorization") ?? throw KmsErrors.MissingAuthenticationToken();
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw Incomplete($"Authorization header requires the {Algorithm} algorithm.");
        }

        var parts = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
            || !parts.TryGetValue("Signature", out var signature))
        {
            throw Incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[0].Length == 0)
        {
            throw Incomplete($"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{KmsErrors.Printable(credential)}'");
        }

        var amzDate = Header(request, "x-amz-date")
                      ?? throw Incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        var headers = signedHeaders.Split(';');
        if (!headers.Contains("host", StringComparer.Ordinal) || !headers.Contains("x-amz-date", StringComparer.Ordinal))
        {
            throw Invalid("'Host' and 'X-Amz-Date' must be among the signed headers.");
        }

        if (scope[2] != region)
        {
            throw Invalid($"Credential should be scoped to a valid region. The credential is scoped to '{KmsErrors.Printable(scope[2])}'; this endpoint serves '{region}'.");
        }

        if (scope[3] != Service)
        {
            throw Invalid($"Credential should be scoped to correct service: '{Service}'.");
        }

        if (scope[4] != "aws4_request")
        {
            throw Invalid("Credential should be scoped with a valid terminator: 'aws4_request'.");
        }

        return new SigV4Claim(scope[0], scope[1], scope[2], scope[3], headers, signature, amzDate);
    }

    /// <summary>Checks the signature with the access key's <paramref name="secret"/>; throws AWS's refusal when it does not hold.</summary>
    public void Verify(SigV4Claim claim, SignedRequest request, ReadOnlySpan<byte> secret)
    {
        if (!DateTimeOffset.TryParseExact(claim.AmzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt))
        {
            throw Incomplete($"Date must be in ISO-8601 'basic format'. Got '{KmsErrors.Printable(claim.AmzDate)}'.");
        }

        if (claim.Date != claim.AmzDate[..8])
        {
            throw Invalid($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{KmsErrors.Printable(claim.Date)}' != '{claim.AmzDate[..8]}'");
        }

        var now = time.GetUtcNow();
        if (signedAt < now - AllowedSkew || signedAt > now + AllowedSkew)
        {
            var bound = signedAt < now ? now - AllowedSkew : now + AllowedSkew;
            throw Invalid(signedAt < now
                ? $"Signature expired: {claim.AmzDate} is now earlier than {Basic(bound)} ({Basic(now)} - 5 min.)"
                : $"Signature not yet current: {claim.AmzDate} is still later than {Basic(bound)} ({Basic(now)} + 5 min.)");
        }

        if (Header(request, "x-amz-content-sha256") is { } declared
            && !string.Equals(declared, Convert.ToHexStringLower(SHA256.HashData(request.Body.Span)), StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        var expected = Signature(SigningKey(claim, secret), claim.AmzDate, claim.Date, claim.Region, claim.Service,
            CanonicalRequest(request, claim.SignedHeaders));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(claim.Signature.ToLowerInvariant())))
        {
            throw Invalid("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing "
                          + "method. Consult the service documentation for details.");
        }
    }

    /// <summary>The canonical request of SigV4: method, URI, query, the signed headers, their names, and the body's hash.</summary>
    public static string CanonicalRequest(SignedRequest request, IReadOnlyList<string> signedHeaders)
    {
        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(CanonicalPath(request.Path)).Append('\n');
        builder.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers.TryGetValue(name, out var found) ? found : [];
            builder.Append(name).Append(':').Append(string.Join(",", values.Select(Trimmed))).Append('\n');
        }

        builder.Append('\n').Append(string.Join(";", signedHeaders)).Append('\n');
        builder.Append(Convert.ToHexStringLower(SHA256.HashData(request.Body.Span)));
        return builder.ToString();
    }

    /// <summary>The hex signature of a canonical request: HMAC-SHA256 under the signing key of the string to sign.</summary>
    public static string Signature(byte[] signingKey, string amzDate, string date, string region, string service, string canonicalRequest)
    {
        var stringToSign = $"{Algorithm}\n{amzDate}\n{date}/{region}/{service}/aws4_request\n"
                           + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        return Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));
    }

    /// <summary>The signing key of a secret for a day, Region and service: HMAC-SHA256 chained from "AWS4" + secret.</summary>
    public static byte[] SigningKeyOf(ReadOnlySpan<byte> secret, string date, string region, string service)
    {
        var prefixed = new byte[4 + secret.Length];
        try
        {
            Encoding.ASCII.GetBytes("AWS4").CopyTo(prefixed, 0);
            secret.CopyTo(prefixed.AsSpan(4));
            var key = HMACSHA256.HashData(prefixed, Encoding.UTF8.GetBytes(date));
            foreach (var part in new[] { region, service, "aws4_request" })
            {
                key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prefixed);
        }
    }

    private byte[] SigningKey(SigV4Claim claim, ReadOnlySpan<byte> secret)
    {
        // Keyed by a hash of the secret too: a key revoked and a new one issued never share a cached signing key.
        var cacheKey = (claim.AccessKeyId, claim.Date, Convert.ToHexString(SHA256.HashData(secret)));
        if (_signingKeys.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        if (_signingKeys.Count >= MaxCachedKeys)
        {
            _signingKeys.Clear();
        }

        return _signingKeys[cacheKey] = SigningKeyOf(secret, claim.Date, claim.Region, claim.Service);
    }

    private static string CanonicalPath(string path)
    {
        var segments = (string.IsNullOrEmpty(path) ? "/" : path).Split('/');
        return string.Join("/", segments.Select(s => Encode(Uri.UnescapeDataString(s))));
    }

    private static string CanonicalQuery(string query)
    {
        var text = query.StartsWith('?') ? query[1..] : query;
        if (text.Length == 0)
        {
            return string.Empty;
        }

        return string.Join("&", text.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>SigV4's URI encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX (uppercase).</summary>
    private static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string Trimmed(string value) => string.Join(" ", value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string? Header(SignedRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static string Basic(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static KmsException Invalid(string message) => new(KmsErrorCodes.InvalidSignature, message);

    private static KmsException Incomplete(string message) => new(KmsErrorCodes.IncompleteSignature, message);
}
