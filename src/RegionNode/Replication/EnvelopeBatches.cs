using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// What the link sends: the outbox's messages, grouped per destination into batches signed once. A batch forms only
/// from what is already waiting when the link reads the outbox, so a lone message leaves at once, as a signed envelope
/// of its own, and under load one signature, one verification and one acknowledgement cover up to
/// <see cref="MaxMembers"/> messages. Material a message carries is sealed here, for the batch it leaves in.
/// </summary>
public static class EnvelopeBatches
{
    public const int MaxMembers = 256;

    /// <summary>Well under the ControlPlane's 256 KiB per envelope, with room for the envelope around the batch.</summary>
    public const int MaxPayloadBytes = 192 * 1024;

    public static readonly string Kind = Batch.Descriptor.FullName;

    /// <summary>One signed envelope to send, and the outbox messages it carries (removed once the ControlPlane has stored it).</summary>
    public sealed record Outgoing(Envelope Envelope, IReadOnlyList<string> MemberIds);

    /// <summary>
    /// Groups <paramref name="pending"/> per destination into batches and signs each. Messages that owe their
    /// destination material have it sealed by <paramref name="sealer"/> as the batch forms, under one key agreement
    /// per batch; without a sealer (or a prekey of the destination) they leave without it.
    /// </summary>
    public static async Task<IReadOnlyList<Outgoing>> FormAsync(IReadOnlyList<RelayStore.Pending> pending, string source, DateTimeOffset now,
        ECDsa signingKey, IDeliverySealer? sealer = null, EnvelopeTrace? trace = null, CancellationToken cancellationToken = default)
    {
        var result = new List<Outgoing>();
        foreach (var destination in pending.GroupBy(p => p.Destination, StringComparer.Ordinal))
        {
            var chunk = new List<Envelope>();
            var bytes = 0;
            IBatchSeal? seal = null;
            try
            {
                foreach (var row in destination)
                {
                    var member = Envelope.Parser.ParseFrom(row.Envelope);
                    // The outbox's number, which a sequence floor learnt after a rejoin may have moved on since the envelope was built.
                    member.Sequence = (ulong)row.Sequence;
                    member.Signature = ByteString.Empty;
                    member.Delivery = null;
                    using (var sent = trace?.Start("send", ActivityKind.Producer, member))
                    {
                        // What follows (store, deliver, process) continues from this span, not from the call that queued it.
                        member.TraceParent = sent?.Id ?? member.TraceParent;
                    }

                    if (row.Deliver is { Count: > 0 } && sealer is not null)
                    {
                        seal ??= await sealer.BeginAsync(destination.Key, cancellationToken).ConfigureAwait(false);
                        await SealAsync(seal, member, row.Deliver, cancellationToken).ConfigureAwait(false);
                    }

                    var size = member.CalculateSize() + 8;
                    if (chunk.Count > 0 && (chunk.Count == MaxMembers || bytes + size > MaxPayloadBytes))
                    {
                        result.Add(Sign(chunk, source, destination.Key, now, signingKey));
                        (chunk, bytes) = ([], 0);
                        seal?.Dispose();
                        seal = null;
                        if (member.Delivery is not null)
                        {
                            // Sealed for the batch just closed: sealed again for the next one, under its own agreement.
                            member.Delivery = null;
                            seal = await sealer!.BeginAsync(destination.Key, cancellationToken).ConfigureAwait(false);
                            await SealAsync(seal, member, row.Deliver!, cancellationToken).ConfigureAwait(false);
                            size = member.CalculateSize() + 8;
                        }
                    }

                    chunk.Add(member);
                    bytes += size;
                }

                if (chunk.Count > 0)
                {
                    result.Add(Sign(chunk, source, destination.Key, now, signingKey));
                }
            }
            finally
            {
                seal?.Dispose();
            }
        }

        return result;
    }

    /// <summary>Seals the member's material unless that would make it too large to travel in any batch (it then asks for it instead).</summary>
    private static async Task SealAsync(IBatchSeal? seal, Envelope member, IReadOnlyList<string> deliver, CancellationToken cancellationToken)
    {
        if (seal is null)
        {
            return;
        }

        member.Delivery = await seal.SealAsync(member.KeyId, member.MessageId, deliver, cancellationToken).ConfigureAwait(false);
        if (member.CalculateSize() + 8 > MaxPayloadBytes)
        {
            member.Delivery = null;
        }
    }

    /// <summary>
    /// Why a verified batch envelope's members must not be applied, or null: each member must come from the batch's
    /// source to its destination, unsigned (the batch's signature is theirs), of a kind this Region handles (never a
    /// batch inside a batch), with sequences strictly increasing up to the batch envelope's own.
    /// </summary>
    public static string? MembersProblem(Envelope envelope, Batch batch, Func<string, bool> handles)
    {
        if (batch.Members.Count is 0 or > MaxMembers)
        {
            return $"a batch holds 1-{MaxMembers} members, this one {batch.Members.Count}";
        }

        ulong previous = 0;
        foreach (var member in batch.Members)
        {
            if (member.SourceRegion != envelope.SourceRegion || member.DestinationRegion != envelope.DestinationRegion)
            {
                return $"member {member.MessageId} is from {member.SourceRegion} to {member.DestinationRegion}, not as its batch";
            }

            if (!member.Signature.IsEmpty || member.Kind == Kind || !handles(member.Kind))
            {
                return $"member {member.MessageId} is signed on its own or of a kind not handled here ({member.Kind})";
            }

            if (member.Sequence <= previous)
            {
                return $"member {member.MessageId} does not follow the one before it (sequence {member.Sequence} after {previous})";
            }

            previous = member.Sequence;
        }

        return previous == envelope.Sequence ? null : $"the batch's sequence {envelope.Sequence} is not its last member's {previous}";
    }

    private static string BatchId(string first, string last) =>
        "b" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{first}\0{last}")).AsSpan(0, 16));

    private static Outgoing Sign(List<Envelope> members, string source, string destination, DateTimeOffset now, ECDsa signingKey)
    {
        if (members.Count == 1)
        {
            var single = members[0];
            EnvelopeSigning.Sign(single, signingKey);
            return new Outgoing(single, [single.MessageId]);
        }

        var batch = new Batch();
        batch.Members.AddRange(members);
        var envelope = new Envelope
        {
            // Named by its first and last member: sent again with the same members it is the same envelope to the
            // ControlPlane, which stores it once (and within its 64 characters for a message ID).
            MessageId = BatchId(members[0].MessageId, members[^1].MessageId),
            SourceRegion = source,
            DestinationRegion = destination,
            KeyId = string.Empty,
            Sequence = members[^1].Sequence,
            SentAt = Timestamp.FromDateTimeOffset(now),
            Kind = Kind,
            Payload = batch.ToByteString(),
        };
        EnvelopeSigning.Sign(envelope, signingKey);
        return new Outgoing(envelope, [.. members.Select(m => m.MessageId)]);
    }
}
