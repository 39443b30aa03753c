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
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(new Uri(cluster.ConsoleUrl));
        try
        {
            await UntilHealthAsync(browser, new() { [East] = "reachable", [West] = "reachable", [Sydney] = "reachable" }, TimeSpan.FromSeconds(10));
            await browser.ScreenshotAsync(Path.Combine(Screenshots, "regions-all-reachable.png"));

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
