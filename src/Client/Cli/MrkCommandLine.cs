using System.CommandLine;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Cli;

/// <summary>
/// The `mrk` command line, shaped like `aws kms`: one command per RPC of the public service (kebab-case), one
/// option per request field. Commands are built from the service descriptor, so every RPC of the contract is here
/// and named exactly as the contract names it.
/// </summary>
public static class MrkCommandLine
{
    public const int ServiceErrorExitCode = 254;
    public const int UsageErrorExitCode = 252;
    public const string EndpointVariable = "MRK_ENDPOINT";
    public const string DefaultEndpoint = "https://127.0.0.1:7101";

    private static readonly Option<string> Endpoint = new("--endpoint", "--endpoint-url")
    {
        Description = $"RegionNode address (default ${EndpointVariable} or {DefaultEndpoint})",
        Recursive = true,
    };

    internal static Option<string> OutputOption => Output;

    internal static Option<string> QueryOption => Query;

    private static readonly Option<string> Output = new("--output")
    {
        Description = "json (default), table or text",
        Recursive = true,
        DefaultValueFactory = _ => "json",
    };

    private static readonly Option<string> Query = new("--query")
    {
        Description = "Print only this part of the response, e.g. KeyMetadata.KeyId or Plaintext",
        Recursive = true,
    };

    private static readonly Option<string> CaBundle = new("--ca-bundle")
    {
        Description = "PEM file of the CA to trust for https:// endpoints (default $MRK_CA_BUNDLE, else the system store)",
        Recursive = true,
    };

    private static readonly Option<string> Region = new("--region")
    {
        Description = "Region to call, looked up in the cluster file (default $MRK_REGION); --endpoint wins over it",
        Recursive = true,
    };

    private static readonly Option<string> ClusterFile = new("--cluster-file")
    {
        Description = $"JSON file naming each Region's endpoint (default ${LocalClusterFile.Variable} or {LocalClusterFile.DefaultPath})",
        Recursive = true,
    };

    internal static Option<string> ClusterFileOption => ClusterFile;

    private static readonly Option<string> ApiKey = new("--api-key")
    {
        Description = "API key (mrk_...) to authenticate with (default $MRK_API_KEY, else the cluster file's)",
        Recursive = true,
    };

    private static readonly Option<string> ClientCertificate = new("--client-cert")
    {
        Description = "Folder or PEM file of a client certificate to authenticate with (tls.crt and tls.key from `mrk cluster issue-client`)",
        Recursive = true,
    };

    private static readonly Option<double> Timeout = new("--cli-read-timeout")
    {
        Description = "Seconds to wait for each attempt (default 10)",
        Recursive = true,
        DefaultValueFactory = _ => 10,
    };

    public static RootCommand Build()
    {
        Output.AcceptOnlyFromAmong("json", "table", "text");
        var root = new RootCommand("mrk: the Grpc.Mrk key management command line (commands and options follow `aws kms`).")
        {
            Endpoint, Region, ClusterFile, ApiKey, ClientCertificate, Output, Query, Timeout, CaBundle,
        };
        root.Subcommands.Add(ClusterCommands.Build());
        foreach (var method in KeyManagementService.Descriptor.Methods)
        {
            root.Subcommands.Add(CommandFor(method));
        }

        var admin = new Command("admin", "The Region's principals and API keys (needs the operator certificate of the cluster, found through the cluster file or --client-cert).");
        foreach (var method in Grpc.Mrk.Admin.V1.PrincipalAdmin.Descriptor.Methods)
        {
            admin.Subcommands.Add(CommandFor(method));
        }

        root.Subcommands.Add(admin);

        var audit = new Command("audit", "The Region's audit log: list (list-audit-records), verify (verify-audit-log, also against the digests the ControlPlane keeps or an exported file) and its digests (list-audit-digests); needs the operator certificate, as admin does.");
        foreach (var method in Grpc.Mrk.V1.AuditLog.Descriptor.Methods)
        {
            var command = CommandFor(method);
            var alias = method.Name switch
            {
                "ListAuditRecords" => "list",
                "VerifyAuditLog" => "verify",
                _ => null,
            };
            if (alias is not null)
            {
                command.Aliases.Add(alias);
            }

            audit.Subcommands.Add(command);
        }

        root.Subcommands.Add(audit);
        root.Subcommands.Add(RegionCommands.Build());

        return root;
    }

    internal static Command CommandFor(MethodDescriptor method)
    {
        // Methods that only an operator may call (as each declares in protos/) use the operator's certificate and no API key.
        var admin = MethodDeclarations.Public.Of(method) is { } declaration && declaration.Admits(CallerKind.Operator) && !declaration.Admits(CallerKind.Principal);
        var command = new Command(Names.Kebab(method.Name), $"Calls {method.Name} (see the AWS KMS API reference).");
        var fields = new List<(FieldDescriptor Field, Option Option)>();
        foreach (var field in method.InputType.Fields.InFieldNumberOrder().Where(f => !AuditVerifySources.Fills(f)))
        {
            var option = OptionFor(field);
            command.Options.Add(option);
            fields.Add((field, option));
        }

        if (AuditVerifySources.Extends(method))
        {
            AuditVerifySources.AddOptions(command);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var request = method.InputType.Parser.ParseFrom(ByteString.Empty);
                foreach (var (field, option) in fields)
                {
                    var tokens = parse.GetResult(option)?.Tokens.Select(t => t.Value).ToList();
                    if (option is Option<bool> flag && parse.GetResult(option) is not null)
                    {
                        field.Accessor.SetValue(request, parse.GetValue(flag));
                    }
                    else if (tokens is { Count: > 0 })
                    {
                        FieldValues.Set(request, field, tokens);
                    }
                }

                var (client, cluster, expectedRegion, endpoint) = ClientFor(parse, admin);
                using var _ = client;
                if (AuditVerifySources.Extends(method))
                {
                    await AuditVerifySources.AddAsync(request, parse, client, cluster, cancellationToken).ConfigureAwait(false);
                }

                IMessage response;
                using (var progress = AuditVerifySources.Extends(method) ? ProgressLine.OnStandardError($"verifying the audit log of {expectedRegion ?? endpoint}") : null)
                {
                    // One call the Region may take long over (it reads its whole log): the line says it is still at it.
                    response = await client.InvokeAsync(method, request, cancellationToken).ConfigureAwait(false);
                }

                OutputWriter.Write(Console.Out, ResponseJson.From(response), parse.GetValue(Output) ?? "json", parse.GetValue(Query));
                return 0;
            }
            catch (MrkException e)
            {
                await Console.Error.WriteLineAsync($"An error occurred ({e.ErrorCode}) when calling the {method.Name} operation: {e.Message}")
                    .ConfigureAwait(false);
                return ServiceErrorExitCode;
            }
            catch (Exception e) when (e is CliUsageException or IOException or UriFormatException or UnauthorizedAccessException
                                           or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync($"mrk {Names.Kebab(method.Name)}: {e.Message}").ConfigureAwait(false);
                return UsageErrorExitCode;
            }
        });
        return command;
    }

    /// <summary>
    /// A client of the Region the command line names (<see cref="Target"/>): with the operator certificate (--client-cert,
    /// else the cluster file's) and no API key for <paramref name="admin"/> commands, else with the caller's API key.
    /// </summary>
    internal static (MrkClient Client, LocalClusterFile? Cluster, string? Region, string Endpoint) ClientFor(ParseResult parse, bool admin) =>
        ClientWithCertificate(parse, admin) is var (client, cluster, region, endpoint, _) ? (client, cluster, region, endpoint) : default;

    /// <summary>The same, with the client certificate it authenticates with (null when none).</summary>
    internal static (MrkClient Client, LocalClusterFile? Cluster, string? Region, string Endpoint,
        System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate) ClientWithCertificate(ParseResult parse, bool admin)
    {
        var (endpoint, caBundle, expectedRegion) = Target(parse);
        var cluster = LocalClusterFile.Load(parse.GetValue(ClusterFile));
        var certificate = LoadClientCertificate(parse.GetValue(ClientCertificate)
            ?? (admin && cluster?.Certificates is { } certs ? Path.Combine(certs, "operator") : null));
        var client = new MrkClient(new Uri(endpoint), new MrkClientOptions
        {
            Timeout = TimeSpan.FromSeconds(parse.GetValue(Timeout)),
            CertificateAuthorityFile = caBundle,
            Region = expectedRegion,
            ApiKey = admin ? null : parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("MRK_API_KEY") ?? cluster?.ApiKey,
            ClientCertificate = certificate,
        });
        return (client, cluster, expectedRegion, endpoint, certificate);
    }

    /// <summary>A client certificate from a folder (tls.crt + tls.key) or a PEM certificate file with its key beside it (.key).</summary>
    private static System.Security.Cryptography.X509Certificates.X509Certificate2? LoadClientCertificate(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var (certificate, key) = Directory.Exists(path)
            ? (Path.Combine(path, "tls.crt"), Path.Combine(path, "tls.key"))
            : (path, Path.ChangeExtension(path, ".key"));
        return Grpc.Mrk.Cluster.ClusterPki.Load(certificate, key);
    }

    /// <summary>
    /// The RegionNode to call, the CA to trust and the Region its certificate must name: --endpoint (with --region if
    /// given), else --region through the cluster file, else $MRK_ENDPOINT, else the local default. An explicit CA
    /// bundle wins over the cluster file's.
    /// </summary>
    private static (string Endpoint, string? CaBundle, string? Region) Target(ParseResult parse)
    {
        var caBundle = parse.GetValue(CaBundle) ?? Environment.GetEnvironmentVariable("MRK_CA_BUNDLE");
        var region = parse.GetValue(Region) ?? Environment.GetEnvironmentVariable("MRK_REGION");
        if (parse.GetValue(Endpoint) is { } endpoint)
        {
            return (endpoint, caBundle, region);
        }

        var cluster = LocalClusterFile.Load(parse.GetValue(ClusterFile));
        if (region is not null)
        {
            if (cluster is null)
            {
                throw new CliUsageException(
                    $"--region {region} needs a cluster file ({LocalClusterFile.DefaultPath}, written by scripts/run-local.sh, or --cluster-file); or give --endpoint");
            }

            return (cluster.EndpointOf(region), caBundle ?? cluster.CaBundle, region);
        }

        return (Environment.GetEnvironmentVariable(EndpointVariable) ?? DefaultEndpoint, caBundle ?? cluster?.CaBundle, null);
    }

    private static Option OptionFor(FieldDescriptor field)
    {
        var name = "--" + Names.Kebab(field.Name);
        if (field.FieldType == FieldType.Bool && !field.IsRepeated)
        {
            return new Option<bool>(name) { Description = "flag" };
        }

        var description = field.FieldType switch
        {
            FieldType.Bytes => "base64, or fileb://<path> for raw bytes",
            FieldType.Enum => "one of: " + string.Join(", ", FieldValues.AllowedValues(field.EnumType)),
            _ when field.IsMap => "key=value[,key=value...] or a JSON object",
            FieldType.Message when field.MessageType.FullName == Google.Protobuf.WellKnownTypes.Timestamp.Descriptor.FullName =>
                "date and time, ISO 8601 (2027-01-31T00:00:00Z) or Unix seconds",
            FieldType.Message when field.IsRepeated =>
                string.Join(",", field.MessageType.Fields.InFieldNumberOrder().Select(f => Names.Pascal(f.Name) + "=...")) + " (repeatable)",
            FieldType.Message => FieldValues.StructureSyntax(field.MessageType),
            FieldType.String => "text, or file://<path>",
            _ => field.FieldType.ToString().ToLowerInvariant(),
        };
        Option option = field.IsRepeated || field.IsMap
            ? new Option<string[]>(name) { AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore }
            : new Option<string>(name);
        option.Description = description;
        if (field.FieldType == FieldType.Enum)
        {
            option.HelpName = "value";
        }

        return option;
    }
}
