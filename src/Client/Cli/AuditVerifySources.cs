using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.Messages;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Cli;

/// <summary>
/// `mrk audit verify` checks a Region's log against digests held apart from it: the copies the ControlPlane keeps
/// (--against-controlplane) and a file of digests exported earlier with `mrk audit list-audit-digests`
/// (--digests-file). The Region then finds a log cut short even when its own digests went with the records.
/// </summary>
internal static class AuditVerifySources
{
    public static readonly Option<bool> AgainstControlPlane = new("--against-controlplane")
    {
        Description = "also check the log against the copies of its digests the ControlPlane keeps (operator certificate of the cluster)",
    };

    public static readonly Option<string> DigestsFile = new("--digests-file")
    {
        Description = "also check the log against digests exported earlier (the JSON output of mrk audit list-audit-digests)",
    };

    public static readonly Option<string> ControlPlane = new("--controlplane")
    {
        Description = $"ControlPlane address (default: the cluster file's, $MRK_CONTROLPLANE or {ControlPlaneConnection.DefaultAddress})",
    };

    private static MethodDescriptor Verify => V1.AuditLog.Descriptor.FindMethodByName("VerifyAuditLog");

    private static MethodDescriptor List => V1.AuditLog.Descriptor.FindMethodByName("ListAuditDigests");

    public static bool Extends(MethodDescriptor method) => method.FullName == Verify.FullName;

    /// <summary>The request fields these options fill, which are not options of their own.</summary>
    public static bool Fills(FieldDescriptor field) =>
        field.ContainingType == VerifyAuditLogRequest.Descriptor && field.FieldNumber is VerifyAuditLogRequest.DigestsFieldNumber or VerifyAuditLogRequest.PublicKeyFieldNumber;

    public static void AddOptions(Command command)
    {
        command.Options.Add(AgainstControlPlane);
        command.Options.Add(DigestsFile);
        command.Options.Add(ControlPlane);
    }

    /// <summary>Adds the digests held elsewhere that the options name, and the public key they were checked under there.</summary>
    public static async Task AddAsync(IMessage request, ParseResult parse, MrkClient region, LocalClusterFile? cluster, CancellationToken cancellationToken)
    {
        var verify = (VerifyAuditLogRequest)request;
        var sources = new List<(string Name, string PublicKey, IReadOnlyList<AuditDigest> Digests)>();
        if (parse.GetValue(DigestsFile) is { } file)
        {
            var (key, digests) = FromFile(file);
            sources.Add(($"the digests file {file}", key, digests));
        }

        if (parse.GetValue(AgainstControlPlane))
        {
            var name = ((ListAuditDigestsResponse)await region.InvokeAsync(List, new ListAuditDigestsRequest { Limit = 1 }, cancellationToken)
                .ConfigureAwait(false)).Region;
            using var connection = new ControlPlaneConnection(parse.GetValue(ControlPlane), null, cluster);
            var (key, digests) = await FromControlPlaneAsync(connection, name, cancellationToken).ConfigureAwait(false);
            sources.Add(($"the ControlPlane at {connection.Address}", key, digests));
        }

        foreach (var (name, key, digests) in sources)
        {
            if (verify.PublicKey.Length > 0 && !SamePem(verify.PublicKey, key))
            {
                throw new CliUsageException($"{name} holds digests signed with another key than the other source: they are not of one Region's log.");
            }

            verify.PublicKey = key;
            verify.Digests.AddRange(digests);
        }

        if (verify.Digests.Count > AuditDigests.MaxPerMessage)
        {
            // The newest digests commit to every record before them; the oldest are the ones to leave out.
            var newest = verify.Digests.OrderByDescending(d => d.Sequence).Take(AuditDigests.MaxPerMessage).ToList();
            verify.Digests.Clear();
            verify.Digests.AddRange(newest);
        }
    }

    private static async Task<(string Key, List<AuditDigest> Digests)> FromControlPlaneAsync(ControlPlaneConnection connection, string region,
        CancellationToken cancellationToken)
    {
        var digests = new List<AuditDigest>();
        string key;
        var after = 0L;
        try
        {
            while (true)
            {
                var page = await connection.Admin.ListAuditDigestsAsync(new ListRegionAuditDigestsRequest { Region = region, AfterSequence = after },
                    deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
                key = page.PublicKey;
                digests.AddRange(page.Digests);
                if (!page.Truncated || page.Digests.Count == 0)
                {
                    break;
                }

                after = page.Digests[^1].Sequence;
            }
        }
        catch (RpcException e)
        {
            throw new CliUsageException($"the ControlPlane at {connection.Address} did not give the digests of {region}: {e.Status.Detail}");
        }

        return key.Length == 0
            ? throw new CliUsageException($"the ControlPlane at {connection.Address} holds no digests of {region} yet.")
            : (key, digests);
    }

    /// <summary>Digests from the JSON that `mrk audit list-audit-digests` writes.</summary>
    private static (string Key, List<AuditDigest> Digests) FromFile(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var key = root.GetProperty("PublicKey").GetString() ?? string.Empty;
            var digests = root.GetProperty("Digests").EnumerateArray().Select(d => new AuditDigest
            {
                Sequence = d.GetProperty("Sequence").GetInt64(),
                Hash = d.GetProperty("Hash").GetString() ?? string.Empty,
                CreatedAt = Timestamp.FromDateTimeOffset(d.GetProperty("CreatedAt").GetDateTimeOffset()),
                Signature = ByteString.FromBase64(d.GetProperty("Signature").GetString() ?? string.Empty),
            }).ToList();
            return (key, digests);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CliUsageException($"{path} is not the JSON output of mrk audit list-audit-digests: {e.Message}");
        }
    }

    private static bool SamePem(string a, string b) =>
        string.Equals(a.ReplaceLineEndings().Trim(), b.ReplaceLineEndings().Trim(), StringComparison.Ordinal);
}
