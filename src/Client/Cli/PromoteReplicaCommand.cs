using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.Cli;

/// <summary>
/// `mrk cluster promote-replica`: break-glass, for a key set whose primary's Region is lost. Reads the set as the
/// replica's Region knows it, signs the order with the operator certificate's key, and sends it to that Region.
/// </summary>
internal static class PromoteReplicaCommand
{
    public static Command Build()
    {
        var keyId = new Option<string>("--key-id") { Description = "The multi-Region key (its ID, the same in every Region)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why, for every Region's audit log (1-1024 characters)", Required = true };
        var command = new Command("promote-replica",
            "Break-glass: makes the replica in --region the primary of its set when the primary's Region is lost (UpdatePrimaryRegion needs the primary). "
            + "Needs the operator certificate (--client-cert or the cluster file's); refused while the ControlPlane can reach the old primary's Region; "
            + "recorded in every Region's audit log. The old primary becomes a replica when its Region returns.") { keyId, reason };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var (client, _, region, _, certificate) = MrkCommandLine.ClientWithCertificate(parse, admin: true);
                using var _ = client;
                using var operatorKey = certificate?.GetECDsaPrivateKey()
                    ?? throw new CliUsageException("promote-replica signs the order with an operator certificate's key: give --client-cert (or a cluster file).");
                var set = (DescribeReplicaSetResponse)await client.InvokeAsync(Method("DescribeReplicaSet"),
                    new DescribeReplicaSetRequest { KeyId = parse.GetValue(keyId)! }, cancellationToken).ConfigureAwait(false);
                var target = region ?? throw new CliUsageException("give --region: the Region whose replica becomes the primary.");
                var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                var epoch = set.Epoch + 1;
                var signature = BreakGlassOrders.Sign(operatorKey, set.KeyId, epoch, set.PrimaryRegion, target, parse.GetValue(reason)!, issuedAt);
                var promoted = (PromoteReplicaResponse)await client.InvokeAsync(Method("PromoteReplica"), new PromoteReplicaRequest
                {
                    KeyId = set.KeyId, Epoch = epoch, PreviousPrimary = set.PrimaryRegion, Reason = parse.GetValue(reason)!,
                    IssuedAt = Timestamp.FromDateTimeOffset(issuedAt), OperatorCertificate = Google.Protobuf.ByteString.CopyFrom(certificate.RawData),
                    OperatorSignature = Google.Protobuf.ByteString.CopyFrom(signature),
                }, cancellationToken).ConfigureAwait(false);
                OutputWriter.Write(Console.Out, new JsonObject
                {
                    ["KeyId"] = promoted.KeyId, ["PrimaryRegion"] = promoted.PrimaryRegion, ["PreviousPrimary"] = set.PrimaryRegion, ["Epoch"] = promoted.Epoch,
                }, parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
                return 0;
            }
            catch (MrkException e)
            {
                await Console.Error.WriteLineAsync($"An error occurred ({e.ErrorCode}) when calling the PromoteReplica operation: {e.Message}").ConfigureAwait(false);
                return MrkCommandLine.ServiceErrorExitCode;
            }
            catch (Exception e) when (e is CliUsageException or IOException or UriFormatException or UnauthorizedAccessException
                                           or System.Security.Cryptography.CryptographicException)
            {
                await Console.Error.WriteLineAsync($"mrk cluster promote-replica: {e.Message}").ConfigureAwait(false);
                return MrkCommandLine.UsageErrorExitCode;
            }
        });
        return command;
    }

    private static Google.Protobuf.Reflection.MethodDescriptor Method(string name) => RegionAdmin.Descriptor.FindMethodByName(name);
}
