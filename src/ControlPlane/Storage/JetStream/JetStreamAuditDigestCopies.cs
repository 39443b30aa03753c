using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Messages;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Grpc.Mrk.ControlPlane.Storage.JetStream;

/// <summary>
/// The digest copies in the replicated log: the pinned key per Region in a bucket (created once, by whichever replica
/// first stores one), the digests in a stream with one subject per Region that keeps the newest
/// <see cref="IAuditDigestCopies.KeptPerRegion"/>.
/// </summary>
public sealed class JetStreamAuditDigestCopies(RelayLog log) : IAuditDigestCopies
{
    private static string Subject(string region) => $"mrk.audit.{region}";

    public async Task<(long UpTo, string? Refusal)> StoreAsync(string region, byte[] publicKey, IReadOnlyList<DigestCopy> digests,
        CancellationToken cancellationToken)
    {
        if (DigestChecks.Refusal(region, publicKey, digests) is { } refusal)
        {
            return (0, refusal);
        }

        var keys = log.Bucket(RelayLog.AuditKeysBucket);
        var pinned = await RelayLogRetry.RunAsync(token => keys.TryCreateAsync(region, publicKey, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        if (!pinned.Success)
        {
            if (pinned.Error is not NatsKVCreateException)
            {
                throw pinned.Error;
            }

            var held = await RelayLogRetry.RunAsync(token => keys.GetEntryAsync<byte[]>(region, cancellationToken: token), cancellationToken).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(held.Value ?? [], publicKey))
            {
                return (0, DigestChecks.OtherKey);
            }
        }

        foreach (var digest in digests)
        {
            var bytes = AuditDigests.ToMessage(digest.Sequence, digest.Hash, digest.CreatedAt, digest.Signature).ToByteArray();
            await RelayLogRetry.RunAsync(async token =>
            {
                var ack = await log.JetStream.PublishAsync(Subject(region), bytes,
                    opts: new NatsJSPubOpts { MsgId = $"{region}/{digest.Sequence}", ExpectedStream = RelayLog.DigestStream },
                    cancellationToken: token).ConfigureAwait(false);
                ack.EnsureSuccess();
            }, cancellationToken).ConfigureAwait(false);
        }

        return (digests.Count == 0 ? 0 : digests.Max(d => d.Sequence), null);
    }

    public async Task<(byte[]? PublicKey, IReadOnlyList<DigestCopy> Digests)> ListAsync(string region, long afterSequence, int limit,
        CancellationToken cancellationToken)
    {
        var key = await RelayLogRetry.RunAsync(token => log.Bucket(RelayLog.AuditKeysBucket).TryGetEntryAsync<byte[]>(region, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        var stream = await RelayLogRetry.RunAsync(token => log.JetStream.GetStreamAsync(RelayLog.DigestStream, cancellationToken: token), cancellationToken)
            .ConfigureAwait(false);

        // The log orders a Region's digests as they were stored, which is by sequence save for a resend after the
        // duplicate window: read them all (at most KeptPerRegion) and sort, as the single ControlPlane's query does.
        var found = new SortedDictionary<long, DigestCopy>();
        var consumer = await RelayLogRetry.RunAsync(token => stream.CreateOrUpdateConsumerAsync(new ConsumerConfig
        {
            Name = $"digests-{Guid.NewGuid():N}",
            FilterSubject = Subject(region),
            AckPolicy = ConsumerConfigAckPolicy.None,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            InactiveThreshold = TimeSpan.FromSeconds(30),
            MemStorage = true,
            NumReplicas = 1,
        }, token), cancellationToken).ConfigureAwait(false);
        try
        {
            var left = (long)consumer.Info.NumPending;
            while (left > 0)
            {
                var got = 0;
                await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = (int)Math.Min(left, 1000), Expires = TimeSpan.FromSeconds(5) },
                                   cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    got++;
                    if (message.Data is { } data && AuditDigests.Parse(Grpc.Mrk.V1.AuditDigest.Parser.ParseFrom(data), out _) is { } parsed
                        && parsed.Sequence > afterSequence)
                    {
                        found[parsed.Sequence] = new DigestCopy(parsed.Sequence, parsed.Hash, parsed.CreatedAt, parsed.Signature);
                    }
                }

                if (got == 0)
                {
                    break;
                }

                left -= got;
            }
        }
        finally
        {
            await stream.DeleteConsumerAsync(consumer.Info.Name, CancellationToken.None).ConfigureAwait(false);
        }

        return (key.Success ? key.Value.Value : null, found.Values.Take(limit).ToList());
    }
}
