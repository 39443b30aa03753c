using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Debian's Prometheus against a running three-Region cluster, configured as docs/operations.md says: every process is
/// scraped with the operator certificate, the alert rules of deploy/prometheus load and evaluate, and the documented
/// queries for the per-method call rate and the replication lag return numbers.
/// </summary>
public sealed class PrometheusTests(ITestOutputHelper output)
{
    private static readonly string Rules = Path.Combine(RepoPaths.Root, "deploy", "prometheus", "alerts.yml");

    [Fact]
    public async Task Prometheus_ScrapesEveryProcess_LoadsTheAlertRules_AndAnswersTheDocumentedQueries()
    {
        var check = await ExternalTool.RunAsync("promtool", ["check", "rules", Rules]);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);

        await using var cluster = await ThreeRegionCluster.StartAsync(output, tls: true);
        using var directory = new TempDirectory();
        var port = ControlPlaneProcess.FreePort();
        var config = Path.Combine(directory.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, Config(cluster));
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus")
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.tsdb.path={directory.Sub("data")}", $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            // Every target up: four processes answer the operator's scrape (Prometheus itself listens after a moment).
            var targets = await Eventually.ValueAsync(async () =>
            {
                try
                {
                    var active = (await GetAsync(http, "/api/v1/targets")).GetProperty("activeTargets").EnumerateArray().ToList();
                    return active.Count == 4 && active.All(t => t.GetProperty("health").GetString() == "up") ? active : null;
                }
                catch (HttpRequestException) when (!prometheus.HasExited)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(60), "every target up");
            output.WriteLine(string.Join(", ", targets.Select(t => t.GetProperty("scrapeUrl").GetString())));

            // A counter's first sample is no increase to rate(): the calls go on while Prometheus is asked, once a
            // second, until its rates include them. Encrypt for the call rate; the rotation period changed on the primary
            // (a shared property: each change a SharedState message to both replicas) for the replication lag.
            var east = cluster.Kms(ThreeRegionCluster.East);
            var key = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }).ResponseAsync.WithTimeout()).KeyMetadata.KeyId;
            await cluster.ReplicateAsync(ThreeRegionCluster.East, key, ThreeRegionCluster.West, ThreeRegionCluster.Sydney);
            Dictionary<string, double>? rates = null, lags = null;
            for (var round = 0; round < 60 && (rates is null || lags is null); round++)
            {
                await east.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = ByteString.CopyFromUtf8("scraped") }).ResponseAsync.WithTimeout();
                await east.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key, RotationPeriodInDays = 90 + round }).ResponseAsync.WithTimeout();
                await Task.Delay(TimeSpan.FromSeconds(1));
                rates = await NumbersAsync(http, "sum by (rpc_method) (rate(rpc_server_call_duration_seconds_count{job=\"mrk-regionnode\"}[1m]))",
                    "rpc_method", "mrk.v1.KeyManagementService/Encrypt");
                lags = await NumbersAsync(http, "histogram_quantile(0.99, sum by (le, mrk_source) (rate(mrk_replication_sync_lag_seconds_bucket[1m])))",
                    "mrk_source", ThreeRegionCluster.East);
            }

            Assert.True(rates is not null, "no rate of Encrypt calls within a minute");
            Assert.True(lags is not null, "no replication lag from us-east-1 within a minute");
            output.WriteLine("calls/s: " + string.Join(", ", rates) + "; p99 lag s: " + string.Join(", ", lags));

            var connected = await NumbersAsync(http, "mrk_relay_connected", "mrk_region", ThreeRegionCluster.Sydney);
            Assert.Equal(3, connected?.Count(c => c.Value == 1));

            // The rules loaded and evaluate without error; with every Region connected none of the Region alerts fires.
            var rules = await Eventually.ValueAsync(async () =>
            {
                var all = (await GetAsync(http, "/api/v1/rules")).GetProperty("groups").EnumerateArray()
                    .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
                return all.Count > 0 && all.All(r => r.TryGetProperty("lastEvaluation", out var at) && !at.GetString()!.StartsWith("0001", StringComparison.Ordinal))
                    ? all : null;
            }, TimeSpan.FromSeconds(30), "every rule evaluated");
            Assert.Equal(10, rules.Count);
            Assert.All(rules, r => Assert.True(r.GetProperty("health").GetString() == "ok", r.ToString()));
            var firing = rules.Where(r => r.GetProperty("state").GetString() != "inactive").Select(r => r.GetProperty("name").GetString()).ToList();
            Assert.DoesNotContain("MrkRegionUnreachable", firing);
            Assert.DoesNotContain("MrkProcessDown", firing);
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync().WithTimeout();
            output.WriteLine(await log);
        }
    }

    /// <summary>The scrape jobs of deploy/prometheus/prometheus.yml, pointed at this cluster, every second.</summary>
    private static string Config(ThreeRegionCluster cluster)
    {
        var certs = cluster.Certificates;
        var tls = $"tls_config: {{ca_file: '{certs.AuthorityCertificate}', cert_file: '{certs.OperatorCertificate}', key_file: '{certs.OperatorKey}'}}";
        var regions = string.Join(", ", ThreeRegionCluster.Regions.Select(r => $"'{cluster[r].Endpoint.Authority}'"));
        return $$"""
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ['{{Rules}}']
            scrape_configs:
              - job_name: mrk-regionnode
                scheme: https
                {{tls}}
                static_configs: [{targets: [{{regions}}]}]
              - job_name: mrk-controlplane
                scheme: https
                enable_http2: true
                {{tls}}
                static_configs: [{targets: ['{{cluster.ControlPlane!.Endpoint.Authority}}']}]
            """;
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(path).WithTimeout());
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").Clone();
    }

    /// <summary>
    /// An instant query's result as label value to number (NaN left out); null while the series labelled
    /// <paramref name="wanted"/> has no number above zero.
    /// </summary>
    private static async Task<Dictionary<string, double>?> NumbersAsync(HttpClient http, string query, string label, string wanted)
    {
        var result = (await GetAsync(http, "/api/v1/query?query=" + Uri.EscapeDataString(query))).GetProperty("result").EnumerateArray()
            .Select(r => (Label: r.GetProperty("metric").TryGetProperty(label, out var l) ? l.GetString()! : string.Empty,
                Value: double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .Where(r => !double.IsNaN(r.Value))
            .ToDictionary(r => r.Label, r => r.Value);
        return result.GetValueOrDefault(wanted) > 0 ? result : null;
    }
}
