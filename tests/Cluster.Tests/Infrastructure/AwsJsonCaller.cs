using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>What a signer does to a request, so a test can sign wrongly on purpose.</summary>
public sealed record Signing(string AccessKeyId, string Secret, string Region, DateTimeOffset? At = null, string[]? SignedHeaders = null,
    Func<byte[], byte[]>? AlterBodyAfterSigning = null, string? SecurityToken = null, bool Unsigned = false);

/// <summary>
/// Raw awsJson1.1 calls over HTTP/1.1 and TLS with our own Signature Version 4 signer (written from AWS's
/// documentation, independently of the node's verifier), for requests no SDK would send.
/// </summary>
public sealed class AwsJsonCaller(RegionNodeProcess node, Version? httpVersion = null) : IDisposable
{
    private readonly HttpClient _http = new(ClusterHandlers.Create(null, ClusterHandlers.Server(CertificateFiles.LoadCertificate(
        node.CertificateAuthority ?? throw new InvalidOperationException("The AWS JSON front is served over TLS.")), node.Region)))
    {
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestVersion = httpVersion ?? System.Net.HttpVersion.Version11,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>The HTTP version the last answer came with.</summary>
    public Version? LastVersion { get; private set; }

    /// <param name="target">The X-Amz-Target header; "TrentService.&lt;operation&gt;" when null, left out when empty.</param>
    public async Task<(int Status, JsonDocument Body, HttpResponseHeaders Headers)> CallAsync(string operation, string json, Signing signing,
        string contentType = "application/x-amz-json-1.1", string? target = null, HttpMethod? method = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, node.Endpoint)
        {
            Content = new ByteArrayContent(body), Version = _http.DefaultRequestVersion, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target ?? $"TrentService.{operation}");
        if (target == string.Empty)
        {
            request.Headers.Remove("X-Amz-Target");
        }

        if (!signing.Unsigned)
        {
            Sign(request, body, signing, contentType);
        }

        if (signing.AlterBodyAfterSigning is { } alter)
        {
            request.Content = new ByteArrayContent(alter(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _http.SendAsync(request).WithTimeout().ConfigureAwait(false);
        LastVersion = response.Version;
        var text = await response.Content.ReadAsStringAsync().WithTimeout().ConfigureAwait(false);
        return ((int)response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text), response.Headers);
    }

    private void Sign(HttpRequestMessage request, byte[] body, Signing signing, string contentType)
    {
        var at = (signing.At ?? DateTimeOffset.UtcNow).UtcDateTime;
        var amzDate = at.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = $"{node.Endpoint.Host}:{node.Endpoint.Port}";
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (signing.SecurityToken is { } token)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        var values = new Dictionary<string, string>
        {
            ["content-type"] = contentType, ["host"] = host, ["x-amz-date"] = amzDate,
            ["x-amz-target"] = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.Single() : string.Empty,
        };
        var signed = signing.SignedHeaders ?? ["content-type", "host", "x-amz-date", "x-amz-target"];
        var canonical = string.Join('\n', "POST", "/", string.Empty, string.Concat(signed.Select(h => $"{h}:{values[h]}\n")), string.Join(';', signed),
            Convert.ToHexStringLower(SHA256.HashData(body)));
        var scope = $"{date}/{signing.Region}/kms/aws4_request";
        var toSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, scope, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = Encoding.UTF8.GetBytes("AWS4" + signing.Secret);
        foreach (var part in new[] { date, signing.Region, "kms", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={signing.AccessKeyId}/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
    }

    public void Dispose() => _http.Dispose();
}
