using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Mrk.Client;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Testing.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// A real RegionNode process on 127.0.0.1 with a free port and its own data folder, in test mode so tests can move
/// its clock. Its log is kept and written to the test output when it is disposed.
/// </summary>
public sealed class RegionNodeProcess : INodeUnderTest, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Process _process;
    private readonly GrpcChannel _channel;
    private readonly ITestOutputHelper? _output;

    private RegionNodeProcess(Process process, Uri endpoint, string dataDirectory, string region, ITestOutputHelper? output, ConcurrentQueue<string> log,
        string? certificateAuthority)
    {
        _process = process;
        _log = log;
        _output = output;
        Endpoint = endpoint;
        DataDirectory = dataDirectory;
        Region = region;
        _channel = GrpcChannel.ForAddress(endpoint,
            new GrpcChannelOptions { HttpHandler = certificateAuthority is null ? null : ClusterHandlers.Create(null, ClusterHandlers.Server(CertificateFiles.LoadCertificate(certificateAuthority), region)) });
        CertificateAuthority = certificateAuthority;
        Kms = new KeyManagementService.KeyManagementServiceClient(_channel);
        Clock = new TestClock.TestClockClient(_channel);
        Client = new MrkClient(endpoint,
            new MrkClientOptions { Timeout = TimeSpan.FromSeconds(30), MaxRetries = 0, CertificateAuthorityFile = certificateAuthority });
        Relay = new TestRelay.TestRelayClient(_channel);
    }

    public Uri Endpoint { get; }

    /// <summary>The CA that issued the node's TLS certificate; null for a plaintext node.</summary>
    public string? CertificateAuthority { get; }

    public string DataDirectory { get; }

    public string Region { get; }

    public KeyManagementService.KeyManagementServiceClient Kms { get; }

    public TestClock.TestClockClient Clock { get; }

    public MrkClient Client { get; }

    /// <summary>Relay probes; served only when the node is linked to a ControlPlane.</summary>
    public TestRelay.TestRelayClient Relay { get; }

    /// <summary>The channel the clients above share, for the node's other services (audit log, region admin).</summary>
    public Grpc.Core.CallInvoker Invoker => _channel.CreateCallInvoker();

    public string StorePath => Path.Combine(DataDirectory, "region.db");

    public string Log => string.Join(Environment.NewLine, _log);

    /// <summary>Waits for a line the process has written: its output reaches the test a moment after the write.</summary>
    public Task WaitForLogAsync(string text, TimeSpan? within = null) =>
        Eventually.TrueAsync(() => Task.FromResult(_log.Any(l => l.Contains(text, StringComparison.Ordinal))), within ?? TimeSpan.FromSeconds(10),
            $"the node to log \"{text}\"");

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public static async Task<RegionNodeProcess> StartAsync(string dataDirectory, ITestOutputHelper? output = null, string region = "us-east-1",
        IReadOnlyDictionary<string, string>? environment = null, bool testMode = true, string[]? transport = null, string[]? extra = null,
        bool anonymous = true, string? certificateAuthority = null)
    {
        var (process, log, listening) = Launch(dataDirectory, region, environment,
            [.. transport ?? ["--urls", "http://127.0.0.1:0", "--plaintext", "true"], "--test-mode", testMode ? "true" : "false", "--maintenance-interval", "0.2",
                "--insecure-allow-anonymous", anonymous ? "true" : "false",
                // Hundreds of nodes start in a test run and each would compile the same paths again; a test that is
                // about the warm-up turns it on.
                "--warm-up", "false",
                // Tests create keys many times faster than CreateKey's 5 a second; a test about quotas turns them on.
                "--request-quotas", "false", .. extra ?? []]);
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(StartTimeout)).ConfigureAwait(false);
        if (first != listening.Task)
        {
            var why = first == exited ? $"exited with code {process.ExitCode}" : "did not start in time";
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"RegionNode {why}:{Environment.NewLine}{string.Join(Environment.NewLine, log)}");
        }

        return new RegionNodeProcess(process, await listening.Task.ConfigureAwait(false), dataDirectory, region, output, log, certificateAuthority);
    }

    /// <summary>
    /// A node over TLS (as the AWS SDKs need), with a cluster CA made in <paramref name="folder"/>/certs and its data in
    /// <paramref name="folder"/>/node; in the insecure local mode unless <paramref name="anonymous"/> is false.
    /// </summary>
    public static Task<RegionNodeProcess> StartOverTlsAsync(string folder, ITestOutputHelper? output, string region = "us-east-1", bool anonymous = true,
        string[]? extra = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var layout = new ClusterLayout(Path.Combine(folder, "certs"));
        ClusterBootstrap.Run(layout, [region], [], TimeProvider.System);
        return StartAsync(Path.Combine(folder, "node"), output, region, anonymous: anonymous,
            transport: ["--urls", "https://127.0.0.1:0", "--tls-cert", layout.RegionCertificate(region), "--tls-key", layout.RegionKey(region)],
            extra: extra, certificateAuthority: layout.AuthorityCertificate, environment: environment);
    }

    /// <summary>Runs the node with the given arguments and waits for it to exit; for start-up refusals.</summary>
    public static async Task<(int ExitCode, string Log)> RunToExitAsync(string dataDirectory, string region, string[] arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (process, log, _) = Launch(dataDirectory, region, environment, arguments);
        using (process)
        {
            try
            {
                await process.WaitForExitAsync().WithTimeout(StartTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, string.Join(Environment.NewLine, log));
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or power loss of the process.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WithTimeout().ConfigureAwait(false);
    }

    /// <summary>SIGTERM and wait: a clean shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync().WithTimeout().ConfigureAwait(false);
        }

        try
        {
            await _process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async Task<DateTimeOffset> AdvanceClockAsync(TimeSpan by)
    {
        var response = await Clock.AdvanceClockAsync(new AdvanceClockRequest { Seconds = (long)by.TotalSeconds },
            deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync.WithTimeout().ConfigureAwait(false);
        return response.Now.ToDateTimeOffset();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Client.Dispose();
        _channel.Dispose();
        _process.Dispose();
        if (_output is not null)
        {
            try
            {
                _output.WriteLine($"--- RegionNode {Region} log ---{Environment.NewLine}{Log}");
            }
            catch (InvalidOperationException)
            {
                // The test has already finished; its output can no longer be written.
            }
        }
    }

    private static (Process Process, ConcurrentQueue<string> Log, TaskCompletionSource<Uri> Listening) Launch(string dataDirectory,
        string region, IReadOnlyDictionary<string, string>? environment, string[] arguments) =>
        ProcessLauncher.Launch(RepoPaths.RegionNodeDll, ["--region", region, "--data-dir", dataDirectory, .. arguments], environment);

}
