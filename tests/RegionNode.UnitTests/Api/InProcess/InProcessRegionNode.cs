using Grpc.Mrk.Client;
using Grpc.Mrk.RegionNode.Hosting;
using Grpc.Mrk.RegionNode.Testing;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// A RegionNode hosted in the test's own process: the node's own setup (the calls Program.cs makes, in its order), real
/// Kestrel on a loopback port, a real store in a temporary folder, in test mode with anonymous callers. Per-operation
/// cases run here in milliseconds; what needs a process of its own (crashes, restarts, TLS, the cluster, the CLI) runs
/// in the process tests.
/// </summary>
public sealed class InProcessRegionNode : INodeUnderTest, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private readonly TempDirectory _directory;

    private InProcessRegionNode(WebApplication app, TempDirectory directory, string region)
    {
        _app = app;
        _directory = directory;
        Region = region;
        Endpoint = new Uri(app.Urls.Single());
        _channel = GrpcChannel.ForAddress(Endpoint);
        Kms = new KeyManagementService.KeyManagementServiceClient(_channel);
        Client = new MrkClient(Endpoint, new MrkClientOptions { Timeout = TimeSpan.FromSeconds(30), MaxRetries = 0 });
    }

    public Uri Endpoint { get; }

    public string Region { get; }

    public string DataDirectory => _directory.Sub("node");

    public KeyManagementService.KeyManagementServiceClient Kms { get; }

    public MrkClient Client { get; }

    /// <summary>The node's services, for what a test reads beside the API (its store, its audit log).</summary>
    public IServiceProvider Services => _app.Services;

    /// <param name="extra">Further command-line settings; without them request quotas are off (the fixtures create keys far faster than AWS's rates).</param>
    public static async Task<InProcessRegionNode> StartAsync(string region = "us-east-1", string[]? extra = null)
    {
        var directory = new TempDirectory();
        string[] args =
        [
            "--region", region, "--data-dir", directory.Sub("node"), "--urls", "http://127.0.0.1:0", "--plaintext", "true",
            "--test-mode", "true", "--maintenance-interval", "0.2", "--insecure-allow-anonymous", "true", "--request-quotas", "false",
            .. extra ?? [],
        ];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddRegionNode(args);

        // The node's log lines are the process tests' to read; here they would only crowd the test output.
        builder.Logging.ClearProviders();
        var app = builder.Build();
        try
        {
            await app.PrepareRegionNodeAsync().WithTimeout();
            app.MapRegionNode();
            await app.StartAsync().WithTimeout();
            app.RequireBoundAddressesAllowed();
            return new InProcessRegionNode(app, directory, region);
        }
        catch
        {
            await app.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    public Task<DateTimeOffset> AdvanceClockAsync(TimeSpan by) => Task.FromResult(_app.Services.GetRequiredService<AdjustableClock>().Advance(by));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        _channel.Dispose();
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
