extern alias ServiceBases;

using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>Looking after this Region's store: online backups, and asking the cluster to rebuild what a lost store held (operators only).</summary>
public sealed class RegionAdminApi(StoreBackup backup, ReplicationReceiver replication, BreakGlassOperations breakGlass, NodeMeta meta, TimeProvider time,
    RegionIdentity region)
    : ServiceBases::Grpc.Mrk.Admin.V1.RegionAdmin.RegionAdminBase
{
    /// <summary>Bytes of the copy per message, well inside gRPC's default 4 MiB message limit.</summary>
    public const int ChunkSize = 1024 * 1024;

    public override async Task BackupRegion(BackupRegionRequest request, IServerStreamWriter<BackupRegionChunk> responseStream, ServerCallContext context)
    {
        using var copy = await backup.TakeAsync(context.CancellationToken).ConfigureAwait(false);
        await responseStream.WriteAsync(new BackupRegionChunk
        {
            Header = new BackupHeader
            {
                Region = region.Region, BackupId = copy.BackupId, TakenAt = Timestamp.FromDateTimeOffset(copy.TakenAt), Size = copy.Size,
                Keys = copy.Keys, AuditSequence = copy.AuditSequence,
            },
        }, context.CancellationToken).ConfigureAwait(false);

        var buffer = new byte[ChunkSize];
        await using (var file = File.OpenRead(copy.Path))
        {
            int read;
            while ((read = await file.ReadAsync(buffer, context.CancellationToken).ConfigureAwait(false)) > 0)
            {
                await responseStream.WriteAsync(new BackupRegionChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, context.CancellationToken)
                    .ConfigureAwait(false);
            }
        }

        await responseStream.WriteAsync(new BackupRegionChunk { Trailer = new BackupTrailer { Sha256 = copy.Sha256 } }, context.CancellationToken)
            .ConfigureAwait(false);
    }

    public override async Task<DescribeReplicaSetResponse> DescribeReplicaSet(DescribeReplicaSetRequest request, ServerCallContext context)
    {
        var key = await breakGlass.DescribeSetAsync(request.KeyId, context.CancellationToken).ConfigureAwait(false);
        var mr = key.MultiRegion!;
        return new DescribeReplicaSetResponse
        {
            KeyId = key.KeyId, Epoch = mr.Epoch, PrimaryRegion = mr.PrimaryRegion, ReplicaRegions = { mr.ReplicaRegions }, KeyState = key.State.ToString(),
        };
    }

    public override async Task<PromoteReplicaResponse> PromoteReplica(PromoteReplicaRequest request, ServerCallContext context)
    {
        if (request.IssuedAt is null)
        {
            throw Domain.Errors.KmsErrors.Validation("issuedAt is required: the time the operator signed the order.");
        }

        var order = new BreakGlassOrder(request.Reason, request.IssuedAt.ToDateTimeOffset(), request.OperatorCertificate.ToByteArray(),
            request.OperatorSignature.ToByteArray());
        var key = await breakGlass.PromoteAsync(CallerAuthentication.CallerOf(context), request.KeyId, request.Epoch, request.PreviousPrimary, order,
            context.CancellationToken).ConfigureAwait(false);
        return new PromoteReplicaResponse { KeyId = key.KeyId, Epoch = key.MultiRegion!.Epoch, PrimaryRegion = key.MultiRegion.PrimaryRegion };
    }

    public override async Task<RebuildRegionResponse> RebuildRegion(RebuildRegionRequest request, ServerCallContext context)
    {
        var told = await replication.AnnounceRejoinAsync(new RejoinMessage(RejoinMessage.Rebuild, string.Empty, null), context.CancellationToken)
            .ConfigureAwait(false);
        await meta.NoteRejoinedAsync(time.GetUtcNow(), context.CancellationToken).ConfigureAwait(false);
        return new RebuildRegionResponse { Regions = { told } };
    }
}
