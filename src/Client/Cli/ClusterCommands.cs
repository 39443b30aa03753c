using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Cli;

/// <summary>`mrk cluster ...`: commands about the cluster itself rather than one Region's keys.</summary>
internal static class ClusterCommands
{
    public static Command Build()
    {
        var cluster = new Command("cluster", "Commands for the cluster: certificates, status and the web console's keys.");
        var output = new Option<string>("--out") { Description = "Folder for the CA and certificates", DefaultValueFactory = _ => ".mrk/certs" };
        var regions = new Option<string[]>("--regions")
        {
            Description = "Regions to issue TLS and replication signing certificates for",
            AllowMultipleArgumentsPerToken = true,
            Required = true,
        };
        var hosts = new Option<string[]>("--hosts")
        {
            Description = "Host names or addresses of each server, as <identity>=<host> (identity: controlplane or a Region; a bare name "
                          + "counts for the identity of that name); each certificate names only its own (and loopback)",
            AllowMultipleArgumentsPerToken = true,
        };
        var bootstrap = new Command("bootstrap",
            "Creates what is missing of the cluster PKI: the CA, the ControlPlane's and an operator's certificates, and a TLS and a "
            + "replication signing certificate per Region. Existing files are never overwritten.")
        {
            output, regions, hosts,
        };
        bootstrap.SetAction(parse =>
        {
            var names = SplitLists(parse.GetValue(regions));
            var invalid = names.Where(r => !System.Text.RegularExpressions.Regex.IsMatch(r, @"^([a-z]+-){2,3}\d+$")).ToList();
            if (invalid.Count > 0)
            {
                Console.Error.WriteLine($"mrk cluster bootstrap: not Region names: {string.Join(", ", invalid)}");
                return MrkCommandLine.UsageErrorExitCode;
            }

            var layout = new ClusterLayout(parse.GetValue(output)!);
            IReadOnlyList<string> created;
            try
            {
                using var progress = ProgressLine.OnStandardError("issuing the cluster's certificates");
                created = ClusterBootstrap.Run(layout, names, SplitLists(parse.GetValue(hosts)), TimeProvider.System, progress.Report);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"mrk cluster bootstrap: {e.Message}");
                return MrkCommandLine.UsageErrorExitCode;
            }

            var json = new JsonObject
            {
                ["CertificateAuthority"] = layout.AuthorityCertificate,
                ["Created"] = new JsonArray(created.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            };
            OutputWriter.Write(Console.Out, json, parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
            return 0;
        });
        cluster.Subcommands.Add(bootstrap);
        cluster.Subcommands.Add(IssueClient());
        cluster.Subcommands.Add(Status());
        cluster.Subcommands.Add(ConsoleKeyCommands.Build());
        var rebuild = MrkCommandLine.CommandFor(Admin.V1.RegionAdmin.Descriptor.FindMethodByName("RebuildRegion"));
        rebuild.Description = "For a Region (--region) whose store was lost with no backup and that started again empty with its old name and "
            + "certificates: every other Region sends it what it held (each primary elsewhere re-creates its replica there, same key ID). "
            + "Needs the operator certificate.";
        cluster.Subcommands.Add(rebuild);
        cluster.Subcommands.Add(PromoteReplicaCommand.Build());
        return cluster;
    }

    /// <summary>Values given as separate words, comma-separated, or both ("a b", "a,b").</summary>
    private static List<string> SplitLists(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();

    private static Command IssueClient()
    {
        var certificates = new Option<string>("--certs") { Description = "Cluster certificates folder with ca.crt and ca.key", DefaultValueFactory = _ => ".mrk/certs" };
        var type = new Option<string>("--type") { Description = "user (default) or role", DefaultValueFactory = _ => "user" };
        var name = new Option<string>("--name") { Description = "The principal's name (its ARN ends in user/<name> or role/<name>)", Required = true };
        var command = new Command("issue-client",
            "Issues a client certificate from the cluster CA for a caller of the key API; presenting it authenticates as that user or role.")
        {
            certificates, type, name,
        };
        command.SetAction(parse =>
        {
            var role = parse.GetValue(type) switch
            {
                "user" => ClusterRole.User,
                "role" => ClusterRole.Role,
                var other => (ClusterRole?)null,
            };
            var principal = parse.GetValue(name)!;
            if (role is null || !System.Text.RegularExpressions.Regex.IsMatch(principal, @"^[A-Za-z0-9+=,.@_-]{1,64}$"))
            {
                Console.Error.WriteLine("mrk cluster issue-client: --type is user or role, --name 1-64 of letters, digits and +=,.@_-");
                return MrkCommandLine.UsageErrorExitCode;
            }

            try
            {
                var (certificate, key, created) = ClusterBootstrap.IssueClient(new ClusterLayout(parse.GetValue(certificates)!), role.Value, principal,
                    TimeProvider.System);
                var json = new JsonObject { ["Certificate"] = certificate, ["Key"] = key, ["Created"] = created };
                OutputWriter.Write(Console.Out, json, parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
                return 0;
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"mrk cluster issue-client: {e.Message}");
                return MrkCommandLine.UsageErrorExitCode;
            }
        });
        return command;
    }

    private static Command Status()
    {
        var controlPlane = new Option<string>("--controlplane")
        {
            Description = $"ControlPlane address (default: the cluster file's, $MRK_CONTROLPLANE or {ControlPlaneConnection.DefaultAddress})",
        };
        var certificates = new Option<string>("--certs")
        {
            Description = "Cluster certificates folder with ca.crt and operator/tls.* (default: the cluster file's, or .mrk/certs)",
        };
        var status = new Command("status",
            "Shows every Region: connected to the ControlPlane or not, messages not yet delivered to it and the age of the oldest " +
            "(its replication lag), and, when the cluster file names its endpoint, whether its RegionNode answers health checks.")
        {
            controlPlane, certificates,
        };
        status.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var cluster = LocalClusterFile.Load(parse.GetValue(MrkCommandLine.ClusterFileOption));
                using var connection = new ControlPlaneConnection(parse.GetValue(controlPlane), parse.GetValue(certificates), cluster);
                GetClusterStatusResponse response;
                try
                {
                    response = await connection.Admin
                        .GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken)
                        .ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    await Console.Error.WriteLineAsync($"mrk cluster status: the ControlPlane at {connection.Address} did not answer: {e.Status.Detail}")
                        .ConfigureAwait(false);
                    return MrkCommandLine.ServiceErrorExitCode;
                }

                var json = ResponseJson.From(response);
                if (cluster is not null && json["Regions"] is JsonArray regions)
                {
                    foreach (var region in regions.OfType<JsonObject>())
                    {
                        var name = region["Region"]?.GetValue<string>() ?? string.Empty;
                        if (cluster.Regions.TryGetValue(name, out var endpoint))
                        {
                            region["Endpoint"] = endpoint;
                            region["Health"] = await HealthAsync(endpoint, cluster.CaBundle, name, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                OutputWriter.Write(Console.Out, json, parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
                return 0;
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UriFormatException or CliUsageException)
            {
                await Console.Error.WriteLineAsync($"mrk cluster status: {e.Message}").ConfigureAwait(false);
                return MrkCommandLine.UsageErrorExitCode;
            }
        });
        return status;
    }

    private static async Task<string> HealthAsync(string endpoint, string? caBundle, string region, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new MrkClient(new Uri(endpoint),
                new MrkClientOptions { CertificateAuthorityFile = caBundle, Region = region, Timeout = TimeSpan.FromSeconds(3) });
            return await client.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return $"UNREACHABLE ({e.StatusCode})";
        }
    }
}
