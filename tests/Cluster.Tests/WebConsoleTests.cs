using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// The ControlPlane's web console: in Debian's headless Chromium against a running cluster (each page loads without
/// an error, a killed Region shows as unreachable within seconds and as reachable once it is back; the screenshots go
/// to console/ in MRK_TEST_RESULTS_DIR beside the test results, or in TestResults/ of the checkout), and who may read it.
/// </summary>
public sealed class WebConsoleTests(ITestOutputHelper output)
{
    private static readonly string Screenshots = Path.Combine(
        Environment.GetEnvironmentVariable("MRK_TEST_RESULTS_DIR") is { Length: > 0 } results ? results : Path.Combine(RepoPaths.Root, "TestResults"), "console");

    [Fact]
    public async Task Console_InABrowser_ShowsEveryRegion_AndAKilledRegionAsUnreachable_UntilItIsBack()
    {
        await using var cluster = await StartAsync(output, consoleOnLoopback: true);

        // Without console keys a session cookie (left from a run that had them) is no credential, and no obstacle.
        using (var withCookie = Client(null))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(cluster.ConsoleUrl), "api/regions"));
            request.Headers.Add("Cookie", "mrk_console=" + new string('A', 43));
            Assert.Equal(HttpStatusCode.OK, (await withCookie.SendAsync(request).WithTimeout()).StatusCode);
        }

        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(new Uri(cluster.ConsoleUrl));
        try
        {
            await UntilHealthAsync(browser, new() { [East] = "reachable", [West] = "reachable", [Sydney] = "reachable" }, TimeSpan.FromSeconds(10));
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "regions-all-reachable.png"));

            // A multi-Region key and its replicas: each new replica appears in its set, and the set agrees once it is Enabled.
            var key = (await cluster.Kms(East).CreateKeyAsync(new V1.CreateKeyRequest { MultiRegion = true }, deadline: Deadline.Soon).ResponseAsync.WithTimeout())
                .KeyMetadata.KeyId;
            await cluster.ReplicateAsync(East, key, West);
            await UntilKeySetAsync(browser, key, $"{East} (primary): Enabled|{West}: Enabled|yes");
            await cluster.ReplicateAsync(East, key, Sydney);
            await UntilKeySetAsync(browser, key, $"{East} (primary): Enabled|{Sydney}: Enabled|{West}: Enabled|yes");
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "keys-set-of-three.png"));

            // The audit timeline, filtered to the key as an auditor would: where it was used, in every Region that holds it.
            await browser.EvaluateAsync($"document.getElementById('audit-key').value = '{key}'");
            const string Timeline = "JSON.stringify([...document.querySelectorAll('#audit tbody tr')].map(r => [r.dataset.region, r.dataset.event, r.cells[4].textContent]))";
            var shown = string.Empty;
            await Eventually.TrueAsync(async () =>
            {
                var rows = JsonSerializer.Deserialize<string[][]>(shown = await browser.EvaluateAsync(Timeline))!;
                return rows.Length > 0 && rows.All(r => r[2].Contains(key, StringComparison.Ordinal))
                       && rows.Any(r => r[0] == East && r[1] == "ReplicateKey") && rows.Any(r => r[0] == West) && rows.Any(r => r[0] == Sydney);
            }, TimeSpan.FromSeconds(15), "the key's events from all three Regions in the timeline");
            output.WriteLine($"timeline: {shown}");
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "audit-timeline-of-one-key.png"));

            await cluster.KillRegionAsync(West);
            await UntilHealthAsync(browser, new() { [East] = "reachable", [West] = "unreachable", [Sydney] = "reachable" }, TimeSpan.FromSeconds(5));
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "regions-one-unreachable.png"));

            await cluster.StartRegionAsync(West);
            await UntilHealthAsync(browser, new() { [East] = "reachable", [West] = "reachable", [Sydney] = "reachable" }, TimeSpan.FromSeconds(30));
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "regions-recovered.png"));
        }
        finally
        {
            output.WriteLine(await browser.EvaluateAsync("document.body.innerText"));
        }

        Assert.True(browser.Errors.Count == 0, string.Join(Environment.NewLine, browser.Errors));
        Assert.Equal("None: every Region applied everything it received.", await browser.EvaluateAsync("document.querySelector('#dead-letters li').textContent"));
    }

    [Fact]
    public async Task Console_IsReadByOperatorsOnly_AndItsListenerServesNothingElse()
    {
        await using var cluster = await StartAsync(output);
        var console = new Uri(cluster.ConsoleUrl);
        var regions = new Uri(console, "api/regions");
        var layout = cluster.Certificates;

        // Without a certificate, even on loopback: this ControlPlane was not started for a local cluster.
        using (var anonymous = Client(null))
        {
            var refused = await anonymous.GetAsync(regions).WithTimeout();
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(console).WithTimeout()).StatusCode);
        }

        // A Region's certificate is no operator's.
        using (var region = Client(X509Certificate2.CreateFromPemFile(layout.RegionCertificate(West), layout.RegionKey(West))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await region.GetAsync(regions).WithTimeout()).StatusCode);
        }

        using var operatorClient = Client(X509Certificate2.CreateFromPemFile(layout.OperatorCertificate, layout.OperatorKey));
        var answer = await operatorClient.GetAsync(regions).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var status = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal([East, West, Sydney], status.RootElement.GetProperty("regions").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Contains("script-src 'self'", answer.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // The console's listener serves the console only, and the relay's listener never serves it.
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync(new Uri(console, "/metrics")).WithTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync(new Uri(console, "/grpc.health.v1.Health/Check")).WithTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync(new Uri(console, "api/keys-that-do-not-exist")).WithTimeout()).StatusCode);
        var onRelay = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.ControlPlane!.Endpoint, "/console/api/regions")) { Version = HttpVersion.Version20 };
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.SendAsync(onRelay).WithTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await operatorClient.PostAsync(regions, new StringContent("{}")).WithTimeout()).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{console}", "one https:// address with its port")]
    [InlineData("https://127.0.0.1", "one https:// address with its port")]
    [InlineData("https://127.0.0.1:{relay}", "a port of its own")]
    public async Task ControlPlane_RefusesToStart_WithAConsoleAddressItCannotServeSafely(string consoleUrl, string reason)
    {
        using var directory = new TempDirectory();
        var relay = ControlPlaneProcess.FreePort();
        await ControlPlaneProcess.RefusedStartAsync(directory, East, relay,
            ["--console-urls", consoleUrl.Replace("{console}", ControlPlaneProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{relay}", relay.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)], reason);
    }

    [Theory]
    [InlineData("missing", "cannot be used")]
    [InlineData("0123 not a key\n", "line 1 is not")]
    [InlineData("no-console", "give --console-urls as well")]
    public async Task ControlPlane_RefusesToStart_WithAKeysFileItCannotUse(string content, string reason)
    {
        using var directory = new TempDirectory();
        var file = Path.Combine(directory.Path, "bad-keys");
        if (content != "missing")
        {
            await File.WriteAllTextAsync(file, content == "no-console" ? "" : content);
        }

        string[] console = content == "no-console" ? [] : ["--console-urls", $"https://127.0.0.1:{ControlPlaneProcess.FreePort()}"];
        await ControlPlaneProcess.RefusedStartAsync(directory, East, ControlPlaneProcess.FreePort(), ["--console-keys-file", file, .. console], reason);
    }

    [Fact]
    public async Task Console_ShowsWhatARegionReports_AndDropsAReportOutsideTheProtocol()
    {
        await using var cluster = await StartAsync(output);
        using var operatorClient = Client(X509Certificate2.CreateFromPemFile(cluster.Certificates.OperatorCertificate, cluster.Certificates.OperatorKey));
        var keys = new Uri(new Uri(cluster.ConsoleUrl), "api/keys");

        // Whoever holds a Region's certificate reports for that Region: the console shows its claim as that Region's.
        await cluster.KillRegionAsync(Sydney);
        using var sydney = new RelayAdversary(cluster.ControlPlane!.Endpoint, cluster.Certificates, Sydney);
        var claimed = "mrk-" + new string('a', 32);
        await sydney.ReportAsync(new() { Census = Census(claimed, Sydney, [East]) }, TimeSpan.FromSeconds(1));
        var shown = await SetsAsync(operatorClient, keys);
        var set = Assert.Single(shown, s => s.GetProperty("keyId").GetString() == claimed);
        Assert.Equal(Sydney, set.GetProperty("primaryRegion").GetString());
        Assert.Equal([(Sydney, "Enabled"), (East, "Missing")],
            set.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("region").GetString(), m.GetProperty("keyState").GetString())));
        Assert.False(set.GetProperty("agree").GetBoolean());

        // Outside the protocol's bounds (a key ID that is none, a Region the cluster does not have, markup for a state):
        // dropped whole, and the last good report stays.
        foreach (var bad in new[]
                 {
                     Census("../../etc/passwd", Sydney, []), Census(claimed, Sydney, ["xx-nowhere-1"]), Census(claimed, "xx-nowhere-1", []),
                     Census(claimed, Sydney, [], "<img src=x onerror=alert(1)>"),
                 })
        {
            await sydney.ReportAsync(new() { Census = bad }, TimeSpan.FromSeconds(1));
            var after = await SetsAsync(operatorClient, keys);
            Assert.Equal(claimed, Assert.Single(after, s => s.GetProperty("keyId").GetString()!.StartsWith("mrk-a", StringComparison.Ordinal)).GetProperty("keyId").GetString());
            Assert.DoesNotContain(after, s => s.GetRawText().Contains("nowhere", StringComparison.Ordinal) || s.GetRawText().Contains("passwd", StringComparison.Ordinal)
                                              || s.GetRawText().Contains("onerror", StringComparison.Ordinal));
        }

        // The same for audit briefs: a Region's account of its own log is shown as such, one outside the bounds is dropped whole.
        var audit = new Uri(new Uri(cluster.ConsoleUrl), $"api/audit?key={claimed}");
        await sydney.ReportAsync(new() { Audit = Briefs(Brief(1, "Decrypt", $"arn:aws:kms:{Sydney}:111122223333:key/{claimed}")) }, TimeSpan.FromSeconds(1));
        var events = await EventsAsync(operatorClient, audit);
        Assert.Equal((Sydney, "Decrypt"), (Assert.Single(events).GetProperty("region").GetString(), events[0].GetProperty("eventName").GetString()));
        foreach (var bad in new[]
                 {
                     Brief(2, "<script>", $"arn:aws:kms:{Sydney}:111122223333:key/{claimed}"),
                     Brief(3, "Encrypt", $"arn:aws:kms:xx-nowhere-1:111122223333:key/{claimed}"),
                     Brief(4, "Encrypt", $"arn:aws:kms:{Sydney}:111122223333:key/{claimed}\"><img>"),
                 })
        {
            await sydney.ReportAsync(new() { Audit = Briefs(Brief(5, "Encrypt", $"arn:aws:kms:{Sydney}:111122223333:key/{claimed}"), bad) }, TimeSpan.FromSeconds(1));
            Assert.Single(await EventsAsync(operatorClient, audit));
        }
    }

    private static Internal.V1.AuditBrief Brief(long sequence, string eventName, string keyArn) => new()
    {
        Sequence = sequence, EventName = eventName, EventType = "AwsApiCall", Principal = "arn:aws:iam::111122223333:root", KeyArns = { keyArn },
        EventId = Guid.NewGuid().ToString(), Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
    };

    private static Internal.V1.AuditBriefs Briefs(params Internal.V1.AuditBrief[] events) => new() { Events = { events } };

    private static Task<IReadOnlyList<JsonElement>> SetsAsync(HttpClient client, Uri keys) => ListAsync(client, keys, "sets");

    private static Task<IReadOnlyList<JsonElement>> EventsAsync(HttpClient client, Uri audit) => ListAsync(client, audit, "events");

    /// <summary>One list of what the console's API answers, as an operator reads it.</summary>
    private static async Task<IReadOnlyList<JsonElement>> ListAsync(HttpClient client, Uri api, string property)
    {
        using var answer = await client.GetAsync(api).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var document = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty(property).EnumerateArray().Select(s => s.Clone())];
    }

    private static Internal.V1.KeyCensus Census(string keyId, string primary, string[] replicas, string state = "Enabled")
    {
        var summary = new Internal.V1.KeySummary { KeyId = keyId, KeyState = state, PrimaryRegion = primary, Epoch = 1, SyncVersion = 1, CurrentMaterialId = "ab12" };
        summary.ReplicaRegions.AddRange(replicas);
        return new Internal.V1.KeyCensus { Keys = { summary } };
    }


    /// <summary>Waits until the key's row reads "member|member|...|agreement" (members primary first, then by Region).</summary>
    private async Task UntilKeySetAsync(HeadlessChromium browser, string keyId, string expected)
    {
        var read = $"(() => {{ const r = document.querySelector('#keys tr[data-key-id=\"{keyId}\"]'); return r ? [...r.querySelectorAll('.member')].map(m => m.textContent).concat([r.cells[3].textContent]).join('|') : ''; }})()";
        var shown = string.Empty;
        try
        {
            await Eventually.TrueAsync(async () => (shown = await browser.EvaluateAsync(read)) == expected, TimeSpan.FromSeconds(15),
                $"the console to show {keyId} as {expected}");
        }
        finally
        {
            output.WriteLine($"console shows {keyId}: {shown}");
        }
    }

    private async Task UntilHealthAsync(HeadlessChromium browser, Dictionary<string, string> expected, TimeSpan within)
    {
        const string Read = "JSON.stringify(Object.fromEntries([...document.querySelectorAll('#regions tbody tr')].map(r => [r.dataset.region, r.cells[1].textContent])))";
        var shown = string.Empty;
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                shown = await browser.EvaluateAsync(Read);
                var health = JsonSerializer.Deserialize<Dictionary<string, string>>(shown.Length == 0 ? "{}" : shown)!;
                return expected.All(e => health.GetValueOrDefault(e.Key) == e.Value);
            }, within, $"the console to show {JsonSerializer.Serialize(expected)}");
        }
        finally
        {
            output.WriteLine($"console shows {shown}");
        }
    }

    private static HttpClient Client(X509Certificate2? certificate)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        if (certificate is not null)
        {
            handler.ClientCertificates.Add(certificate);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
