using System.Globalization;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// The Prometheus scrape of a node of its own (so other tests' calls do not count): calls by method, outcome and AWS
/// exception name, keys by state and role, the audit queue. This node runs in the insecure local mode, where a caller on
/// loopback may read them; the TLS node's operator-only rule is tested in the process tests.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private InProcessRegionNode _node = null!;

    public async Task InitializeAsync() => _node = await InProcessRegionNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Scrape_CountsCallsByMethodAndOutcome_AndKeysByState()
    {
        var key = (await _node.Kms.CreateKeyAsync(new CreateKeyRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata.KeyId;
        for (var i = 0; i < 3; i++)
        {
            await _node.Kms.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = ByteString.CopyFromUtf8("metrics") }, deadline: Deadline.Soon)
                .ResponseAsync.WithTimeout();
        }

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            _node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Guid.NewGuid().ToString() }, deadline: Deadline.Soon).ResponseAsync.WithTimeout());
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        await _node.Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();

        // The audit writer commits the Encrypt records on its own time: scraped until it has.
        var (status, text) = await ScrapeAsync(HttpMethod.Get);
        for (var i = 0; i < 50 && !text.Contains("mrk_audit_commit_duration_seconds_count", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            (status, text) = await ScrapeAsync(HttpMethod.Get);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, Value(text, "rpc_server_call_duration_seconds_count",
            "rpc_method=\"mrk.v1.KeyManagementService/Encrypt\"", "rpc_response_status_code=\"OK\"", "mrk_front=\"grpc\""));
        Assert.Equal(1, Value(text, "rpc_server_call_duration_seconds_count",
            "rpc_method=\"mrk.v1.KeyManagementService/DescribeKey\"", "rpc_response_status_code=\"NOT_FOUND\"", "error_type=\"NotFoundException\""));
        Assert.Equal(1, Value(text, "mrk_keys", "mrk_key_state=\"Disabled\"", "mrk_key_spec=\"SYMMETRIC_DEFAULT\"", "mrk_multi_region_role=\"none\""));
        Assert.Contains("mrk_audit_queue_depth", text, StringComparison.Ordinal);
        Assert.True(Value(text, "mrk_audit_commit_duration_seconds_count") >= 1);
        Assert.True(Value(text, "mrk_sqlite_commit_duration_seconds_count") >= 2, "CreateKey and DisableKey committed");
        // Three Encrypts of one version: unwrapped once, then found unwrapped.
        Assert.Equal(1, Value(text, "mrk_cache_lookups_total", "mrk_cache=\"material\"", "mrk_result=\"miss\""));
        Assert.Equal(2, Value(text, "mrk_cache_lookups_total", "mrk_cache=\"material\"", "mrk_result=\"hit\""));
        Assert.True(Value(text, "mrk_cache_lookups_total", "mrk_cache=\"key\"", "mrk_result=\"hit\"") >= 1, "the Encrypts after the first read the key from memory");
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes", text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnythingButGet_IsRefused()
    {
        var (status, text) = await ScrapeAsync(HttpMethod.Post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Contains("GET", text, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Text)> ScrapeAsync(HttpMethod method)
    {
        // The in-process node speaks HTTP/2 with prior knowledge (no TLS to negotiate it).
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(_node.Endpoint, "/metrics"))
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request).WithTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync().WithTimeout());
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> that carries every label given.</summary>
    private static double Value(string text, string metric, params string[] labels)
    {
        var lines = text.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(x => l.Contains(x, StringComparison.Ordinal))).ToList();
        Assert.True(lines.Count == 1, $"{lines.Count} samples of {metric} with {string.Join(", ", labels)} in:\n{text}");
        var value = lines[0][(lines[0].LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
