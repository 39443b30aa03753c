using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>A real ControlPlane process on a fixed loopback port (so nodes can reconnect after it restarts).</summary>
public sealed class ControlPlaneProcess : IAsyncDisposable
{
    private int _disposed;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log;
    private readonly ITestOutputHelper? _output;

    private ControlPlaneProcess(Process process, ConcurrentQueue<string> log, Uri endpoint, ITestOutputHelper? output)
    {
        _process = process;
        _log = log;
        Endpoint = endpoint;
        _output = output;
    }

    public Uri Endpoint { get; }

    public string Log => string.Join(Environment.NewLine, _log);

    /// <summary>Waits for a line the process has written: its output reaches the test a moment after the write.</summary>
    public Task WaitForLogAsync(string text, TimeSpan? within = null) =>
        Eventually.TrueAsync(() => Task.FromResult(_log.Any(l => l.Contains(text, StringComparison.Ordinal))), within ?? TimeSpan.FromSeconds(10),
            $"the ControlPlane to log \"{text}\"");

    public static int FreePort() => LoopbackPorts.Take();

    /// <summary>
    /// Starts a ControlPlane with <paramref name="arguments"/> besides the usual ones, which must refuse to start (exit
    /// code 2), saying <paramref name="reason"/>.
    /// </summary>
    public static async Task RefusedStartAsync(TempDirectory directory, string region, int relay, string[] arguments, string reason)
    {
        var layout = new ClusterLayout(directory.Sub("certs"));
        ClusterBootstrap.Run(layout, [region], [], TimeProvider.System);
        var (process, log, _) = ProcessLauncher.Launch(RepoPaths.ControlPlaneDll,
        [
            "--data-dir", directory.Sub("controlplane"), "--regions", region, "--ca-cert", layout.AuthorityCertificate,
            "--tls-cert", layout.ControlPlaneCertificate, "--tls-key", layout.ControlPlaneKey, "--urls", $"https://127.0.0.1:{relay}", .. arguments,
        ], null);
        using (process)
        {
            await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(60));
            var text = string.Join(Environment.NewLine, log);
            Assert.True(process.ExitCode == 2, $"exit code {process.ExitCode}: {text}");
            Assert.Contains(reason, text, StringComparison.Ordinal);
        }
    }

    public static async Task<ControlPlaneProcess> StartAsync(string dataDirectory, ClusterLayout certificates, IEnumerable<string> regions,
        int port, ITestOutputHelper? output = null, IReadOnlyDictionary<string, string>? environment = null, string[]? extra = null)
    {
        var (process, log, listening) = ProcessLauncher.Launch(RepoPaths.ControlPlaneDll,
        [
            "--data-dir", dataDirectory, "--regions", string.Join(",", regions), "--ca-cert", certificates.AuthorityCertificate,
            "--tls-cert", certificates.ControlPlaneCertificate, "--tls-key", certificates.ControlPlaneKey,
            "--urls", $"https://127.0.0.1:{port}", .. extra ?? [],
        ], environment);
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != listening.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"ControlPlane did not start:{Environment.NewLine}{string.Join(Environment.NewLine, log)}");
        }

        // With the console it listens twice: the relay's address is the one asked for, once Kestrel says it listens there.
        var relay = new Uri($"https://127.0.0.1:{port}");
        await Eventually.TrueAsync(() => Task.FromResult(log.Any(l => l.Contains($"Now listening on: {relay.GetLeftPart(UriPartial.Authority)}", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "the ControlPlane listening on its relay port");
        return new ControlPlaneProcess(process, log, relay, output);
    }

    /// <summary>The cluster status as an operator sees it (mutual TLS with the operator certificate).</summary>
    public async Task<GetClusterStatusResponse> StatusAsync(ClusterLayout certificates)
    {
        using var operatorCertificate = ClusterPki.Load(certificates.OperatorCertificate, certificates.OperatorKey);
        using var handler = ClusterHandlers.Create(operatorCertificate, ClusterHandlers.IssuedBy(CertificateFiles.LoadCertificate(certificates.AuthorityCertificate)));
        using var channel = GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions { HttpHandler = handler });
        return await new ClusterAdmin.ClusterAdminClient(channel).GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout();
    }

    /// <summary>The copies of a Region's audit digests the ControlPlane keeps, as an operator reads them.</summary>
    public async Task<V1.ListAuditDigestsResponse> AuditDigestsAsync(ClusterLayout certificates, string region)
    {
        using var operatorCertificate = ClusterPki.Load(certificates.OperatorCertificate, certificates.OperatorKey);
        using var handler = ClusterHandlers.Create(operatorCertificate, ClusterHandlers.IssuedBy(CertificateFiles.LoadCertificate(certificates.AuthorityCertificate)));
        using var channel = GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions { HttpHandler = handler });
        return await new ClusterAdmin.ClusterAdminClient(channel).ListAuditDigestsAsync(new ListRegionAuditDigestsRequest { Region = region },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
    }

    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WithTimeout();
    }

    /// <summary>Kills the process if it still runs and writes its log to the test output; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WithTimeout();
        }

        _process.Dispose();
        try
        {
            _output?.WriteLine($"--- ControlPlane log ---{Environment.NewLine}{Log}");
        }
        catch (InvalidOperationException)
        {
            // The test has already finished.
        }
    }
}
