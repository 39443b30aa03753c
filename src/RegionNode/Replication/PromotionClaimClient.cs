using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Net.Client;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Asks the ControlPlane (ClusterAdmin.ClaimPromotion, with this Region's certificate) for a break-glass promotion: one
/// call, at most <see cref="Timeout"/>. A ControlPlane that cannot be asked refuses the promotion: without its record a
/// second Region could be promoted too.
/// </summary>
public sealed class PromotionClaimClient(Uri controlPlane, ReplicationIdentity identity)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<string?> ClaimAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken)
    {
        using var handler = ClusterHandlers.Create(identity.TlsCertificate,
            (presented, extra) => identity.Trust.Check(presented, extra, ClusterRole.ControlPlane).Identity is not null);
        using var channel = GrpcChannel.ForAddress(controlPlane, new GrpcChannelOptions { HttpHandler = handler });
        try
        {
            await new Internal.V1.ClusterAdmin.ClusterAdminClient(channel)
                .ClaimPromotionAsync(new Internal.V1.ClaimPromotionRequest { KeyId = keyId, FromEpoch = fromEpoch, PreviousPrimary = previousPrimary },
                    deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellationToken)
                .ResponseAsync.ConfigureAwait(false);
            return null;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument)
        {
            return e.Status.Detail;
        }
        catch (RpcException e)
        {
            return $"the ControlPlane could not be asked ({e.StatusCode}): a promotion it has not recorded could make two primaries";
        }
    }
}
