using System.Net;
using System.Text.Json;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// The web console's operator API keys (<c>--console-keys-file</c>, <c>mrk cluster console-key</c>): a browser signs
/// in with one and holds only an HttpOnly session cookie; a key in the authorization header serves scripts; a revoked
/// key ends its sessions; credentials that fail never fall back to anything else. A lone ControlPlane suffices: the
/// console reads its own state.
/// </summary>
public sealed class WebConsoleSignInTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(
        Environment.GetEnvironmentVariable("MRK_TEST_RESULTS_DIR") is { Length: > 0 } results ? results : Path.Combine(RepoPaths.Root, "TestResults"), "console");

    private readonly TempDirectory _directory = new();
    private ControlPlaneProcess? _controlPlane;
    private Uri _console = null!;

    private string KeysFile => Path.Combine(_directory.Path, "console-keys");

    public async Task InitializeAsync()
    {
        // Made with the CLI, as an operator would.
        Assert.Contains("\"KeyId\"", await CliAsync("cluster", "console-key", "create", "--file", KeysFile, "--label", "first key"), StringComparison.Ordinal);
        var layout = new ClusterLayout(_directory.Sub("certs"));
        ClusterBootstrap.Run(layout, [East], [], TimeProvider.System);
        var port = ControlPlaneProcess.FreePort();
        _console = new Uri($"https://127.0.0.1:{port}/console/");
        _controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("controlplane"), layout, [East], ControlPlaneProcess.FreePort(), output, null,
            ["--console-urls", $"https://127.0.0.1:{port}", "--console-keys-file", KeysFile]);
    }

    public async Task DisposeAsync()
    {
        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Browser_SignsInWithAConsoleKey_KeepsOnlyAnHttpOnlyCookie_AndIsSignedOutWhenTheKeyIsRevoked()
    {
        var token = await CreateKeyAsync("browser");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(_console);
        Assert.Equal("/console/login", await browser.EvaluateAsync("location.pathname"));
        await browser.ScreenshotAsync(Path.Combine(Screenshots, "sign-in.png"));

        // A well-formed token that is no key of this ControlPlane.
        await SubmitAsync(browser, "mrkc_0123456789abcdef_" + new string('A', 43));
        await Eventually.TrueAsync(async () => (await browser.EvaluateAsync("document.querySelector('[role=alert]')?.textContent ?? ''")).Contains("not a valid console key",
            StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the sign-in page to say the key is not valid");

        await SubmitAsync(browser, token.Token);
        await Eventually.TrueAsync(async () => await browser.EvaluateAsync("location.pathname") == "/console/"
                                                && await browser.EvaluateAsync("document.querySelectorAll('#regions tbody tr').length") == "1",
            TimeSpan.FromSeconds(10), "the console after signing in");
        await Eventually.TrueAsync(async () => (await browser.EvaluateAsync("document.getElementById('visitor').textContent")).Contains(token.KeyId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the console to name the key it was opened with");
        Assert.Equal("false", await browser.EvaluateAsync("document.getElementById('sign-out').hidden"));
        Assert.Equal(string.Empty, await browser.EvaluateAsync("document.cookie"));
        await browser.ScreenshotAsync(Path.Combine(Screenshots, "signed-in-with-a-console-key.png"));

        await CliAsync("cluster", "console-key", "revoke", "--file", KeysFile, "--key-id", token.KeyId);
        await Eventually.TrueAsync(async () => await browser.EvaluateAsync("location.pathname") == "/console/login", TimeSpan.FromSeconds(10),
            "the open console to go back to the sign-in page once its key is revoked");

        // The refusals the browser reported are the 401s this test caused, nothing else.
        Assert.All(browser.Errors, e => Assert.Contains("401", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Key_InTheHeader_OrASession_IsChecked_AndAFailedOneIsNeverAnonymous()
    {
        var token = await CreateKeyAsync("script");
        var regions = new Uri(_console, "api/regions");
        using var http = Client();

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(regions).WithTimeout()).StatusCode);
        var page = await http.GetAsync(_console).WithTimeout();
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/console/login", page.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(_console, "login")).WithTimeout()).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, regions, $"Bearer {token.Token}")).StatusCode);
        foreach (var wrong in new[] { $"Bearer {token.Token[..^1]}B", "Bearer mrkc_", $"Basic {token.Token}", "Bearer " + token.Token.Replace(token.KeyId, "0123456789abcdef", StringComparison.Ordinal) })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, regions, wrong)).StatusCode);
        }

        // Signing in: from another site, with a wrong key or too much form, no cookie; with the key, a strict one.
        var login = new Uri(_console, "login");
        foreach (var (header, value) in new[] { ("Origin", "https://attacker.example"), ("Origin", "null"), ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Site", "same-site") })
        {
            var crossSite = await PostFormAsync(http, login, token.Token, (header, value));
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
            Assert.False(crossSite.Headers.Contains("Set-Cookie"));
        }

        var wrongKey = await PostFormAsync(http, login, token.Token[..^2] + "AA");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.False(wrongKey.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostFormAsync(http, login, token.Token + new string('x', 4096))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await http.PostAsync(login, new StringContent($"{{\"token\":\"{token.Token}\"}}", System.Text.Encoding.UTF8, "application/json")).WithTimeout()).StatusCode);

        var signedIn = await PostFormAsync(http, login, token.Token, ("Origin", $"https://{_console.Authority}"), ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
        output.WriteLine(cookie.Split('=')[0] + "=...; " + string.Join("; ", cookie.Split("; ").Skip(1)));
        foreach (var attribute in new[] { "path=/console", "secure", "samesite=strict", "httponly" })
        {
            Assert.Contains(attribute, cookie, StringComparison.OrdinalIgnoreCase);
        }

        var session = cookie.Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, regions, cookie: session)).StatusCode);
        using (var who = JsonDocument.Parse(await (await SendAsync(http, HttpMethod.Get, new Uri(_console, "api/session"), cookie: session)).Content.ReadAsStringAsync()))
        {
            Assert.Equal("session", who.RootElement.GetProperty("how").GetString());
            Assert.Equal(token.KeyId, who.RootElement.GetProperty("name").GetString());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, regions, cookie: "mrk_console=" + new string('A', 43))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, new Uri(_console, "logout"), cookie: session, origin: "https://attacker.example")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, regions, cookie: session)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync(http, HttpMethod.Post, new Uri(_console, "logout"), cookie: session)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, regions, cookie: session)).StatusCode);

        // A keys file broken while the ControlPlane runs admits no key at all (not the last good set) until it is fixed.
        var good = await File.ReadAllTextAsync(KeysFile);
        await File.AppendAllTextAsync(KeysFile, "not a key line\n");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, regions, $"Bearer {token.Token}")).StatusCode);
        await File.WriteAllTextAsync(KeysFile, good);
        File.SetLastWriteTimeUtc(KeysFile, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, regions, $"Bearer {token.Token}")).StatusCode);
        await _controlPlane!.WaitForLogAsync("cannot be used, so no console key is accepted");
        Assert.DoesNotContain(token.Token, _controlPlane.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenText.SecretOf(token.Token), await File.ReadAllTextAsync(KeysFile), StringComparison.Ordinal);

        // The CLI lists keys without their tokens, and says so when asked to revoke a key the file does not hold.
        var listed = await CliAsync("cluster", "console-key", "list", "--file", KeysFile);
        Assert.Contains(token.KeyId, listed, StringComparison.Ordinal);
        Assert.Contains("first key", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("mrkc_", listed, StringComparison.Ordinal);
        var (exitCode, _, error) = await MrkCli.RunAsync(_directory.Path, ["cluster", "console-key", "revoke", "--file", KeysFile, "--key-id", "0123456789abcdef"]);
        Assert.Equal(252, exitCode);
        Assert.Contains("holds no console key 0123456789abcdef", error, StringComparison.Ordinal);
    }

    private sealed record ConsoleToken(string KeyId, string Token);

    private async Task<ConsoleToken> CreateKeyAsync(string label)
    {
        using var created = JsonDocument.Parse(await CliAsync("cluster", "console-key", "create", "--file", KeysFile, "--label", label));
        var token = new ConsoleToken(created.RootElement.GetProperty("KeyId").GetString()!, created.RootElement.GetProperty("Token").GetString()!);
        Assert.StartsWith($"mrkc_{token.KeyId}_", token.Token, StringComparison.Ordinal);
        return token;
    }

    private async Task<string> CliAsync(params string[] arguments)
    {
        var (exitCode, text, error) = await MrkCli.RunAsync(_directory.Path, arguments);
        Assert.True(exitCode == 0, $"mrk {string.Join(' ', arguments)} exited {exitCode}: {error}");
        return text;
    }

    private static async Task SubmitAsync(HeadlessChromium browser, string token) =>
        await browser.EvaluateAsync($"document.querySelector('input[name=token]').value = '{token}'; document.querySelector('form').requestSubmit(); ''");

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient http, Uri login, string token, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, login) { Content = new FormUrlEncodedContent([new("token", token)]) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return http.SendAsync(request).WithTimeout();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri uri, string? authorization = null, string? cookie = null,
        string? origin = null)
    {
        var request = new HttpRequestMessage(method, uri);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return http.SendAsync(request).WithTimeout();
    }

    private static HttpClient Client() => new(new HttpClientHandler
    {
        ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        UseCookies = false,
        AllowAutoRedirect = false,
    }) { Timeout = TimeSpan.FromSeconds(10) };
}
