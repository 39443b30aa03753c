using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol on loopback: one page, what it logs as an error
/// (uncaught exceptions, console.error, failed loads), script evaluation and screenshots. Certificate errors are
/// ignored because the cluster CA is the test's own; the browser reaches nothing beyond 127.0.0.1.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TempDirectory _profile;
    private Task _receiving = Task.CompletedTask;
    private string _session = string.Empty;
    private int _nextId;

    private HeadlessChromium(Process process, TempDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Everything the page reported as an error so far.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public static async Task<HeadlessChromium> StartAsync()
    {
        var profile = new TempDirectory();
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            ArgumentList =
            {
                "--headless=new", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", $"--user-data-dir={profile.Path}", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--window-size=1280,720", "about:blank",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null && DevToolsPattern().Match(e.Data) is { Success: true } match)
                {
                    endpoint.TrySetResult(new Uri(match.Groups[1].Value));
                }
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            await browser._socket.ConnectAsync(await endpoint.Task.WithTimeout(CommandTimeout), CancellationToken.None).WithTimeout(CommandTimeout);
            browser._receiving = browser.ReceiveAsync();

            var targets = await browser.SendAsync("Target.getTargets", null, session: false);
            var page = targets!["targetInfos"]!.AsArray().First(t => (string?)t!["type"] == "page")!["targetId"]!.GetValue<string>();
            var attached = await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = page, ["flatten"] = true }, session: false);
            browser._session = attached!["sessionId"]!.GetValue<string>();
            foreach (var domain in new[] { "Page.enable", "Runtime.enable", "Log.enable" })
            {
                await browser.SendAsync(domain, null);
            }

            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads <paramref name="url"/> and waits until the document has loaded.</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await Eventually.TrueAsync(async () => await EvaluateAsync("document.readyState") == "complete", CommandTimeout, $"{url} loaded");
    }

    /// <summary>The value of a JavaScript expression in the page, as text (empty for null or undefined).</summary>
    public async Task<string> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        var value = result?["result"]?["value"];
        return value is null ? string.Empty : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
    }

    /// <summary>Saves the whole page as it shows now, beyond the window too, as a PNG file.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var size = (await SendAsync("Page.getLayoutMetrics", null))!["cssContentSize"]!;
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png", ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = size["width"]!.GetValue<double>(), ["height"] = size["height"]!.GetValue<double>(), ["scale"] = 1 },
        });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot!["data"]!.GetValue<string>()));
    }

    private async Task<JsonNode?> SendAsync(string method, JsonObject? parameters, bool session = true)
    {
        var id = Interlocked.Increment(ref _nextId);
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (session)
        {
            command["sessionId"] = _session;
        }

        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None).WithTimeout(CommandTimeout);
        return await answer.Task.WithTimeout(CommandTimeout);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, read.Count);
                if (!read.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                if (node?["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var answer))
                {
                    if (node["error"] is { } error)
                    {
                        answer.TrySetException(new InvalidOperationException($"DevTools refused: {error.ToJsonString()}"));
                    }
                    else
                    {
                        answer.TrySetResult(node["result"]);
                    }
                }
                else if (node?["method"]?.GetValue<string>() is { } method)
                {
                    Observe(method, node["params"]);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The browser is closing.
        }
    }

    private void Observe(string method, JsonNode? parameters)
    {
        switch (method)
        {
            case "Runtime.exceptionThrown":
                _errors.Enqueue("uncaught: " + parameters?["exceptionDetails"]?.ToJsonString());
                break;
            case "Runtime.consoleAPICalled" when ((string?)parameters?["type"] is "error" or "assert"):
                _errors.Enqueue("console: " + parameters?["args"]?.ToJsonString());
                break;
            case "Log.entryAdded" when ((string?)parameters?["entry"]?["level"] == "error"):
                _errors.Enqueue("log: " + parameters?["entry"]?.ToJsonString());
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WithTimeout(CommandTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        await _receiving.WithTimeout(CommandTimeout);
        _socket.Dispose();
        _process.Dispose();
        _stop.Dispose();
        _profile.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on (ws://127\.0\.0\.1:\d+/\S+)")]
    private static partial Regex DevToolsPattern();
}
