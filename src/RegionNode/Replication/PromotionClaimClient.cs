using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Net.Client;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Asks the ControlPlane (ClusterAdmin.ClaimPromotion, with this Region's certificate) for a break-glass promotion: at
/// most <see cref="Timeout"/> in all, each replica in turn while one cannot be reached. When none can be asked the
/// promotion is refused: without the relay's record a second Region could be promoted too.
/// </summary>
public sealed class PromotionClaimClient(ControlPlaneEndpoints controlPlanes, ReplicationIdentity identity, TimeProvider time)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<string?> ClaimAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow().UtcDateTime + Timeout;
        string? unreachable = null;
        foreach (var controlPlane in controlPlanes.StartingWithCurrent())
        {
            if (time.GetUtcNow().UtcDateTime >= deadline)
            {
                break;
            }

            var (answer, reached) = await AskAsync(controlPlane, keyId, fromEpoch, previousPrimary, deadline, cancellationToken).ConfigureAwait(false);
            if (reached)
            {
                return answer;
            }

            unreachable = answer;
        }

        return unreachable ?? "the ControlPlane could not be asked in time: a promotion it has not recorded could make two primaries";
    }

    /// <summary>The refusal (null when granted), and whether the replica answered at all.</summary>
    private async Task<(string? Refusal, bool Reached)> AskAsync(Uri controlPlane, string keyId, long fromEpoch, string previousPrimary, DateTime deadline,
        CancellationToken cancellationToken)
    {
        using var handler = ClusterHandlers.Create(identity.TlsCertificate,
            (presented, extra) => identity.Trust.Check(presented, extra, ClusterRole.ControlPlane).Identity is not null);
        using var channel = GrpcChannel.ForAddress(controlPlane, new GrpcChannelOptions { HttpHandler = handler });
        try
        {
            await new Internal.V1.ClusterAdmin.ClusterAdminClient(channel)
                .ClaimPromotionAsync(new Internal.V1.ClaimPromotionRequest { KeyId = keyId, FromEpoch = fromEpoch, PreviousPrimary = previousPrimary },
                    deadline: deadline, cancellationToken: cancellationToken)
                .ResponseAsync.ConfigureAwait(false);
            return (null, true);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument)
        {
            return (e.Status.Detail, true);
        }
        catch (RpcException e)
        {
            return ($"the ControlPlane could not be asked ({e.StatusCode}): a promotion it has not recorded could make two primaries", false);
        }
    }
}
