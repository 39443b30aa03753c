using System.Buffers.Binary;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.Messages;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Publishes the Region's audit digests to the ControlPlane, which keeps copies apart from the Region, as CloudTrail
/// delivers digest files apart from the logs: someone who can edit a stopped Region's store can remove records and
/// their digests there, but not the copies. Each digest is published until the ControlPlane confirms it stored it.
/// </summary>
public sealed class AuditDigestPublisher(AuditStore store, AuditSigningKey signingKey, NodeMeta meta)
{
    private const string PublishedName = "audit_digests_published_to";
    private const int Batch = 500;

    /// <summary>The highest sequence the ControlPlane confirmed holding a digest of (0: none).</summary>
    public async Task<long> ConfirmedAsync(CancellationToken cancellationToken) =>
        await meta.GetAsync(PublishedName, cancellationToken).ConfigureAwait(false) is { Length: 8 } bytes ? BinaryPrimitives.ReadInt64BigEndian(bytes) : 0;

    /// <summary>The next digests after <paramref name="after"/> as one frame, or null when there are none.</summary>
    public async Task<(RegionFrame Frame, long UpTo)?> NextAsync(long after, CancellationToken cancellationToken)
    {
        var digests = await store.DigestsAsync(after, Batch, cancellationToken).ConfigureAwait(false);
        if (digests.Count == 0)
        {
            return null;
        }

        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        var published = new PublishedAuditDigests { PublicKey = Google.Protobuf.ByteString.CopyFrom(key.ExportSubjectPublicKeyInfo()) };
        published.Digests.AddRange(digests.Select(d => AuditDigests.ToMessage(d.Sequence, d.Hash, d.CreatedAt, d.Signature)));
        return (new RegionFrame { Digests = published }, digests[^1].Sequence);
    }

    public async Task ConfirmAsync(long upTo, CancellationToken cancellationToken)
    {
        if (upTo > await ConfirmedAsync(cancellationToken).ConfigureAwait(false))
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, upTo);
            await meta.SetAsync(PublishedName, bytes, cancellationToken).ConfigureAwait(false);
        }
    }
}
