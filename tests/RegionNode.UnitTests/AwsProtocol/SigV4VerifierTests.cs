using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.AwsProtocol;

/// <summary>
/// Signature Version 4 as AWS checks it: AWS's own worked example reproduced, then each refusal a request signed for
/// this Region's KMS meets when something about it is wrong.
/// </summary>
public sealed class SigV4VerifierTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string AccessKeyId = "AKIDEXAMPLE";
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>AWS's documented example (IAM ListUsers, 2015-08-30): its canonical request hash and its signature.</summary>
    [Fact]
    public void AwsDocumentedExample_SameCanonicalRequestAndSignature()
    {
        var request = new SignedRequest("GET", "/", "Action=ListUsers&Version=2010-05-08", Headers(
            ("content-type", "application/x-www-form-urlencoded; charset=utf-8"), ("host", "iam.amazonaws.com"), ("x-amz-date", "20150830T123600Z")),
            ReadOnlyMemory<byte>.Empty);
        var canonical = SigV4Verifier.CanonicalRequest(request, ["content-type", "host", "x-amz-date"]);
        Assert.Equal("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var key = SigV4Verifier.SigningKeyOf(Encoding.ASCII.GetBytes(Secret), "20150830", "us-east-1", "iam");
        Assert.Equal("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            SigV4Verifier.Signature(key, "20150830T123600Z", "20150830", "us-east-1", "iam", canonical));
    }

    [Fact]
    public void SignedForThisRegion_Verifies()
    {
        var request = Signed();
        var verifier = Verifier();
        verifier.Verify(verifier.Parse(request), request, Encoding.ASCII.GetBytes(Secret));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "body changed after signing", "InvalidSignatureException" },
        { "wrong secret", "InvalidSignatureException" },
        { "scope of another Region", "InvalidSignatureException" },
        { "scope of another service", "InvalidSignatureException" },
        { "signed 6 minutes ago", "InvalidSignatureException" },
        { "signed 6 minutes ahead", "InvalidSignatureException" },
        { "host not signed", "InvalidSignatureException" },
        { "header changed after signing", "InvalidSignatureException" },
        { "no Authorization", "MissingAuthenticationTokenException" },
        { "another algorithm", "IncompleteSignatureException" },
        { "no SignedHeaders", "IncompleteSignatureException" },
        { "scope of four parts", "IncompleteSignatureException" },
        { "session token", "UnrecognizedClientException" },
        { "scope day differs from X-Amz-Date", "InvalidSignatureException" },
        { "declared body hash differs", "InvalidSignatureException" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refused_AsAwsRefuses(string change, string expected)
    {
        var (request, secret, at) = change switch
        {
            "body changed after signing" => (Signed() with { Body = "{\"KeyId\":\"other\"}"u8.ToArray() }, Secret, Now),
            "wrong secret" => (Signed(), "not the secret", Now),
            "scope of another Region" => (Signed(region: "eu-west-1"), Secret, Now),
            "scope of another service" => (Signed(service: "s3"), Secret, Now),
            "signed 6 minutes ago" => (Signed(), Secret, Now.AddMinutes(6)),
            "signed 6 minutes ahead" => (Signed(), Secret, Now.AddMinutes(-6)),
            "host not signed" => (Signed(signed: ["content-type", "x-amz-date", "x-amz-target"]), Secret, Now),
            "header changed after signing" => (With(Signed(), "x-amz-target", "TrentService.Decrypt"), Secret, Now),
            "no Authorization" => (Without(Signed(), "authorization"), Secret, Now),
            "another algorithm" => (With(Signed(), "authorization", "AWS3-HMAC-SHA256 Credential=x"), Secret, Now),
            "no SignedHeaders" => (With(Signed(), "authorization", $"AWS4-HMAC-SHA256 Credential={AccessKeyId}/20261205/us-east-1/kms/aws4_request, Signature=00"), Secret, Now),
            "scope of four parts" => (With(Signed(), "authorization", $"AWS4-HMAC-SHA256 Credential={AccessKeyId}/20261205/us-east-1/kms, SignedHeaders=host;x-amz-date, Signature=00"), Secret, Now),
            "session token" => (With(Signed(), "x-amz-security-token", "FwoGZXIvYXdzE"), Secret, Now),
            "scope day differs from X-Amz-Date" => (Signed(scopeDate: "20261204"), Secret, Now),
            _ => (With(Signed(), "x-amz-content-sha256", new string('0', 64)), Secret, Now),
        };

        var verifier = Verifier(at);
        var refused = Assert.Throws<KmsException>(() => verifier.Verify(verifier.Parse(request), request, Encoding.ASCII.GetBytes(secret)));
        Assert.Equal(expected, refused.ErrorCode);
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScopeOfAnotherRegion_NamesBothRegions()
    {
        var request = Signed(region: "eu-west-1");
        var refused = Assert.Throws<KmsException>(() => Verifier().Parse(request));
        Assert.Contains("eu-west-1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("us-east-1", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredSignature_SaysSoInAwsWords()
    {
        var request = Signed();
        var verifier = Verifier(Now.AddMinutes(6));
        var refused = Assert.Throws<KmsException>(() => verifier.Verify(verifier.Parse(request), request, Encoding.ASCII.GetBytes(Secret)));
        Assert.StartsWith("Signature expired: 20261205T120000Z is now earlier than 20261205T120100Z (20261205T120600Z - 5 min.)", refused.Message, StringComparison.Ordinal);
    }

    private static SigV4Verifier Verifier(DateTimeOffset? now = null) => new("us-east-1", new FakeTimeProvider(now ?? Now));

    /// <summary>A KMS request signed as an SDK signs it (with the test's own signer, anchored by AWS's example above).</summary>
    private static SignedRequest Signed(string region = "us-east-1", string service = "kms", string[]? signed = null, string? scopeDate = null)
    {
        var body = "{\"KeyId\":\"alias/example\",\"Plaintext\":\"aGk=\"}"u8.ToArray();
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["content-type"] = ["application/x-amz-json-1.1"],
            ["host"] = ["kms.us-east-1.example.test"],
            ["x-amz-date"] = ["20261205T120000Z"],
            ["x-amz-target"] = ["TrentService.Encrypt"],
        };
        var names = signed ?? ["content-type", "host", "x-amz-date", "x-amz-target"];
        var request = new SignedRequest("POST", "/", string.Empty, headers, body);
        var date = scopeDate ?? "20261205";
        var signature = SigV4Verifier.Signature(SigV4Verifier.SigningKeyOf(Encoding.ASCII.GetBytes(Secret), date, region, service), "20261205T120000Z", date,
            region, service, SigV4Verifier.CanonicalRequest(request, names));
        return With(request, "authorization",
            $"AWS4-HMAC-SHA256 Credential={AccessKeyId}/{date}/{region}/{service}/aws4_request, SignedHeaders={string.Join(";", names)}, Signature={signature}");
    }

    private static SignedRequest With(SignedRequest request, string name, string value) =>
        request with { Headers = new Dictionary<string, IReadOnlyList<string>>(request.Headers, StringComparer.Ordinal) { [name] = [value] } };

    private static SignedRequest Without(SignedRequest request, string name)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>(request.Headers, StringComparer.Ordinal);
        headers.Remove(name);
        return request with { Headers = headers };
    }

    private static Dictionary<string, IReadOnlyList<string>> Headers(params (string Name, string Value)[] headers) =>
        headers.ToDictionary(h => h.Name, h => (IReadOnlyList<string>)[h.Value], StringComparer.Ordinal);
}
