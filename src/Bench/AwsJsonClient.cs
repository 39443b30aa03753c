using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Bench;

/// <summary>
/// A lean client of a Region's AWS JSON protocol, as an AWS SDK calls it: HTTP/1.1 over TLS, one POST per call, signed
/// with Signature Version 4 (the signing key derived once per day). It measures the front, not an SDK's own overhead.
/// </summary>
public sealed class AwsJsonClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = MediaTypeHeaderValue.Parse("application/x-amz-json-1.1");
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly string _accessKeyId;
    private readonly byte[] _secret;
    private readonly Version _version;
    private (string Date, byte[] Key) _signingKey = (string.Empty, []);

    /// <param name="http2">HTTP/2 (one connection, multiplexed) instead of HTTP/1.1 (a connection per call in flight), as some SDKs can.</param>
    public AwsJsonClient(Uri endpoint, string region, string accessKeyId, string secret, string? certificateAuthority, bool http2 = false)
    {
        _version = http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
        var handler = certificateAuthority is null
            ? new SocketsHttpHandler()
            : ClusterHandlers.Create(null, ClusterHandlers.Server(CertificateFiles.LoadCertificate(certificateAuthority), null));
        handler.MaxConnectionsPerServer = 256;
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        (_endpoint, _region, _accessKeyId, _secret) = (endpoint, region, accessKeyId, Encoding.UTF8.GetBytes("AWS4" + secret));
    }

    /// <summary>Calls <paramref name="operation"/>; a refusal is thrown as <see cref="HttpRequestException"/> with AWS's exception name.</summary>
    public async Task<JsonElement> CallAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(body), Version = _version, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = JsonType;
        var target = $"TrentService.{operation}";
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        var host = _endpoint.IsDefaultPort ? _endpoint.Host : $"{_endpoint.Host}:{_endpoint.Port}";
        var canonical = $"POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:{host}\nx-amz-date:{amzDate}\nx-amz-target:{target}\n\n"
                        + $"content-type;host;x-amz-date;x-amz-target\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        var scope = $"{date}/{_region}/kms/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(SigningKey(date), Encoding.UTF8.GetBytes(toSign)));
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={_accessKeyId}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}");

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer);
        if (!response.IsSuccessStatusCode)
        {
            var type = document.RootElement.TryGetProperty("__type", out var t) ? t.GetString() : null;
            var message = document.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
            throw new HttpRequestException($"{type}: {message}", null, response.StatusCode);
        }

        return document.RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();

    private byte[] SigningKey(string date)
    {
        var cached = _signingKey;
        if (cached.Date == date)
        {
            return cached.Key;
        }

        var key = _secret;
        foreach (var part in new[] { date, _region, "kms", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        _signingKey = (date, key);
        return key;
    }
}
