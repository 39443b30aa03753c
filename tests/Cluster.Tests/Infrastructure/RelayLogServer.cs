using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// One NATS server of a replicated relay log, as a real process (Debian's nats-server) on loopback, configured by the
/// same script as scripts/run-local.sh --ha uses. Its store stays in its folder, so a killed server can start again.
/// </summary>
public sealed class RelayLogServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ITestOutputHelper? _output;
    private Process? _process;

    private RelayLogServer(string name, int clientPort, int routePort, string folder, ITestOutputHelper? output)
    {
        Name = name;
        ClientPort = clientPort;
        RoutePort = routePort;
        Folder = folder;
        _output = output;
    }

    public string Name { get; }

    public int ClientPort { get; }

    public int RoutePort { get; }

    public string Folder { get; }

    public string Url => $"nats://127.0.0.1:{ClientPort}";

    public bool Running => _process is { HasExited: false };

    /// <summary>Three servers' configurations written (each lists every route); none started.</summary>
    public static async Task<IReadOnlyList<RelayLogServer>> ConfigureAsync(string root, ClusterLayout certificates, int count, ITestOutputHelper? output)
    {
        var servers = Enumerable.Range(0, count)
            .Select(i => new RelayLogServer($"n{i}", LoopbackPorts.Take(), LoopbackPorts.Take(), Path.Combine(root, $"n{i}"), output))
            .ToList();
        foreach (var server in servers)
        {
            Directory.CreateDirectory(server.Folder);
            var (exit, conf, error) = await ExternalTool.RunAsync("bash",
            [
                Path.Combine(RepoPaths.Root, "scripts", "lib", "relay-log-conf.sh"), server.Name, $"127.0.0.1:{server.ClientPort}",
                $"127.0.0.1:{server.RoutePort}", Path.Combine(server.Folder, "store"), certificates.Root,
                .. servers.Select(s => $"127.0.0.1:{s.RoutePort}"),
            ], timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            Assert.True(exit == 0, error);
            await File.WriteAllTextAsync(Path.Combine(server.Folder, "server.conf"), conf).ConfigureAwait(false);
        }

        return servers;
    }

    public void Start()
    {
        var start = new ProcessStartInfo("nats-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Path.Combine(Folder, "server.conf"));
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }

    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WithTimeout().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        try
        {
            _output?.WriteLine($"--- relay log server {Name} ---{Environment.NewLine}{string.Join(Environment.NewLine, _log.TakeLast(200))}");
        }
        catch (InvalidOperationException)
        {
            // The test has already finished.
        }
    }
}
