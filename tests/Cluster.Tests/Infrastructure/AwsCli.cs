using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// The AWS CLI on the PATH, with an AWS config file of one profile per Region whose KMS endpoint is that Region's node
/// and whose credentials any the insecure local mode takes (as scripts/run-local.sh writes it; with --profile the CLI
/// reads credentials from the profile, not the environment). A CLI too old to read endpoints from the config file (before 1.29 and 2.13) is
/// given --endpoint-url; one too old for RotateKeyOnDemand and ListKeyRotations (Debian's 2.9) has those two
/// operations made through the AWS SDK for JavaScript instead.
/// </summary>
public sealed partial class AwsCli(ThreeRegionCluster cluster, string folder)
{
    private (int Major, int Minor)? _version;

    public async Task<string> VersionAsync()
    {
        var (_, output, error) = await ExternalTool.RunAsync("aws", ["--version"]);
        var text = (output + error).Trim();
        var match = VersionPattern().Match(text);
        _version = match.Success ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : (0, 0);
        return text;
    }

    /// <summary>Runs `aws kms &lt;arguments&gt;` with the profile of <paramref name="region"/>.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(string region, params string[] arguments)
    {
        if (_version is null)
        {
            await VersionAsync();
        }

        var config = WriteConfig();
        var (major, minor) = _version!.Value;
        var readsEndpointsFromConfig = (major == 1 && minor >= 29) || (major == 2 && minor >= 13) || major > 2;
        string[] endpoint = readsEndpointsFromConfig ? [] : ["--endpoint-url", cluster[region].Endpoint.ToString()];
        var result = await ExternalTool.RunAsync("aws", ["--profile", region, "--output", "json", .. endpoint, "kms", .. arguments], new Dictionary<string, string>
        {
            ["AWS_CONFIG_FILE"] = config,
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(folder, "no-credentials"),
            ["AWS_CA_BUNDLE"] = cluster.Certificates.AuthorityCertificate,
            ["AWS_PAGER"] = string.Empty,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_MAX_ATTEMPTS"] = "1",
        }, folder, TimeSpan.FromSeconds(90));
        if (result.ExitCode != 0 && result.Error.Contains("Invalid choice", StringComparison.Ordinal)
            && arguments is ["rotate-key-on-demand" or "list-key-rotations", "--key-id", var keyId])
        {
            var operation = string.Concat(arguments[0].Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            return await (await AwsJs.PrepareAsync(cluster)).RunAsync(region, "call", operation, JsonSerializer.Serialize(new { KeyId = keyId }));
        }

        return result;
    }

    public async Task<JsonElement> OkAsync(string region, params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(region, arguments);
        Assert.True(exitCode == 0, $"aws kms {string.Join(' ', arguments)} in {region} exited {exitCode}: {error}");
        return output.Trim().Length == 0 ? default : JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The config file: a profile per running Region, its KMS endpoint in a services section, the cluster CA.</summary>
    private string WriteConfig()
    {
        var text = new StringBuilder();
        foreach (var region in ThreeRegionCluster.Regions.Where(cluster.IsRunning))
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"[profile {region}]")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"region = {region}")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"ca_bundle = {cluster.Certificates.AuthorityCertificate}")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"aws_access_key_id = {AwsKms.AnyCredentials.GetCredentials().AccessKey}")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"aws_secret_access_key = {AwsKms.AnyCredentials.GetCredentials().SecretKey}")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"services = mrk-{region}")
                .AppendLine()
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"[services mrk-{region}]")
                .AppendLine("kms =")
                .AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  endpoint_url = {cluster[region].Endpoint.ToString().TrimEnd('/')}")
                .AppendLine();
        }

        var path = Path.Combine(folder, "aws-config");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [GeneratedRegex(@"aws-cli/(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
