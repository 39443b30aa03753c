using System.Text.Json;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// clients/aws-js/mrk.mjs: the AWS SDK for JavaScript v3 and the AWS Encryption SDK for JavaScript against the cluster's
/// running Regions. Its packages are installed from npm (npm ci, once) when they are not there yet.
/// </summary>
public sealed class AwsJs
{
    private static readonly SemaphoreSlim Install = new(1, 1);
    private readonly ThreeRegionCluster _cluster;

    private AwsJs(ThreeRegionCluster cluster) => _cluster = cluster;

    public static string Folder => Path.Combine(RepoPaths.Root, "clients", "aws-js");

    public static async Task<AwsJs> PrepareAsync(ThreeRegionCluster cluster)
    {
        Assert.True(ExternalTool.Exists("node") && ExternalTool.Exists("npm"), "Node.js and npm are needed on the PATH (scripts/test.sh installs them).");
        await Install.WaitAsync();
        try
        {
            if (!Directory.Exists(Path.Combine(Folder, "node_modules", "@aws-crypto", "client-node")))
            {
                var (exitCode, output, error) = await ExternalTool.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], null, Folder,
                    TimeSpan.FromMinutes(5));
                Assert.True(exitCode == 0, $"npm ci in clients/aws-js: {output}{error}");
            }
        }
        finally
        {
            Install.Release();
        }

        return new AwsJs(cluster);
    }

    public Task<(int ExitCode, string Output, string Error)> RunAsync(string region, params string[] arguments)
    {
        var endpoints = ThreeRegionCluster.Regions.Where(_cluster.IsRunning).ToDictionary(r => r, r => _cluster[r].Endpoint.ToString().TrimEnd('/'));
        return ExternalTool.RunAsync("node", ["mrk.mjs", arguments[0], region, .. arguments[1..]], new Dictionary<string, string>
        {
            ["MRK_AWS_ENDPOINTS"] = JsonSerializer.Serialize(endpoints),
            ["NODE_EXTRA_CA_CERTS"] = _cluster.Certificates.AuthorityCertificate,
            ["AWS_ACCESS_KEY_ID"] = AwsKms.AnyCredentials.GetCredentials().AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = AwsKms.AnyCredentials.GetCredentials().SecretKey,
        }, Folder, TimeSpan.FromSeconds(90));
    }

    public async Task<JsonElement> OkAsync(string region, params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(region, arguments);
        Assert.True(exitCode == 0, $"node mrk.mjs {string.Join(' ', arguments)} in {region} exited {exitCode}: {output}{error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
