using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>
/// A compromised Region: the fuzzer holds <see cref="ChaosCluster.Adversary"/>'s real TLS certificate and replication
/// signing key and sends, through the real ControlPlane, every forged sequence the protocol must refuse, aimed at the
/// multi-Region keys the cluster holds: taking an epoch over without the primary's hand-off, shared state within an
/// epoch it is not primary of, key requests for keys never replicated to it, transfers nobody asked it for,
/// promotions and refusals from the wrong Region, replicas for a primary that is not it. Checked: every store is as
/// it was once the cluster is quiet, each victim audits the refusals, and nothing that carries material is delivered
/// to the adversary.
/// </summary>
public static class AdversaryRun
{
    private const int MaxKeys = 8;

    public static async Task RunAsync(ChaosCluster cluster, RunFigures figures, Action<string> progress,
        Func<CancellationToken, Task<Dictionary<string, string>?>> quietFingerprints, CancellationToken cancellationToken)
    {
        var targets = await MultiRegionKeysAsync(cluster, cancellationToken).ConfigureAwait(false);
        var before = await quietFingerprints(cancellationToken).ConfigureAwait(false);
        if (before is null || targets.Count == 0)
        {
            figures.Check("the adversary run finds multi-Region keys and a quiet cluster", $"{targets.Count} keys; quiet: {before is not null}");
            return;
        }

        var auditedBefore = await RefusalCountsAsync(cluster, cancellationToken).ConfigureAwait(false);
        using var signing = ECDsa.Create();
        signing.ImportFromPem(await File.ReadAllTextAsync(cluster.Layout.SigningKey(ChaosCluster.Adversary), cancellationToken).ConfigureAwait(false));
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var requestKey = ByteString.CopyFrom(ephemeral.PublicKey.ExportSubjectPublicKeyInfo());
        var sequence = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var envelopes = new List<Envelope>();
        var refusals = ChaosCluster.Regions.ToDictionary(r => r, _ => 0);
        void Send(string destination, string keyId, IMessage payload, bool refused, KeyDelivery? delivery = null)
        {
            var envelope = new Envelope
            {
                MessageId = Guid.NewGuid().ToString("N"), SourceRegion = ChaosCluster.Adversary, DestinationRegion = destination, KeyId = keyId,
                Sequence = ++sequence, SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
                Kind = payload.Descriptor.FullName, Payload = payload.ToByteString(), Delivery = delivery,
            };
            EnvelopeSignature.Sign(envelope, signing);
            envelopes.Add(envelope);
            refusals[destination] += refused ? 1 : 0;
        }

        // Prekeys of its own, and each victim asked for theirs: a victim that sent it material by mistake would have sealed
        // it with these, so it would show in what the adversary is delivered. Claims below carry bogus material too. It
        // asks for as many as the field holds: a victim makes no more than its bound for one Region.
        var prekey = new TransportPrekeys { SendYours = true, Wanted = uint.MaxValue };
        prekey.Prekeys.Add(new TransportPrekey
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), PublicKey = requestKey,
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(30)),
        });
        foreach (var victim in ChaosCluster.Regions)
        {
            Send(victim, string.Empty, prekey, refused: false);
        }

        var bogus = new KeyDelivery { PrekeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), SenderPublicKey = requestKey };
        bogus.Materials.Add(new SealedMaterial
        {
            MaterialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(12)), Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(48)),
        });

        foreach (var (keyId, primary, replicas) in targets)
        {
            var holders = replicas.Append(primary).ToList();
            foreach (var victim in holders)
            {
                // An epoch far ahead, claimed with a hand-off the adversary signed itself; and a replica for a primary
                // that is not the sender.
                Send(victim, keyId, Claim(primary: ChaosCluster.Adversary, epoch: 1_000_000, HandOff(signing, keyId, 1_000_000, ChaosCluster.Adversary,
                    ChaosCluster.Adversary)), refused: true, bogus);
                Send(victim, keyId, new CreateReplica { State = Claim(primary, 1), Description = "forged" }, refused: true, bogus);
                Send(victim, keyId, new KeyTransfer { RequestMessageId = Guid.NewGuid().ToString("N"), SourcePublicKey = requestKey, Epoch = 9, SyncVersion = 9 },
                    refused: false);
            }

            // The material of a key never replicated to it, asked of the primary.
            Send(primary, keyId, new KeyRequest { PublicKey = requestKey }, refused: true);
            foreach (var replica in replicas)
            {
                // The primary role offered to a replica by a Region that does not hold it.
                Send(replica, keyId, new Promote
                {
                    State = Claim(replica, 1_000_000, HandOff(signing, keyId, 1_000_000, ChaosCluster.Adversary, replica)),
                }, refused: true);
            }

            // A refusal of a hand-off the adversary was never offered.
            Send(primary, keyId, new PromoteRefused { Epoch = 1, Reason = "forged", Decline = HandOff(signing, keyId, 3, ChaosCluster.Adversary, primary) },
                refused: false);
        }

        await SendAsync(cluster, BatchLaterHalf(envelopes, signing), cancellationToken).ConfigureAwait(false);
        var after = await quietFingerprints(cancellationToken).ConfigureAwait(false);
        foreach (var region in ChaosCluster.Regions)
        {
            figures.Check("a compromised Region's forged sequences change no store (compared when quiet)",
                after is null ? "the cluster did not go quiet after the adversary's envelopes" : after[region] == before[region] ? null : $"{region} changed");
        }

        // Each victim records every refusal; the records are group-committed, so they are waited for (bounded).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Dictionary<string, int> audited;
        do
        {
            audited = await RefusalCountsAsync(cluster, cancellationToken).ConfigureAwait(false);
            if (ChaosCluster.Regions.All(r => audited[r] - auditedBefore[r] >= refusals[r]))
            {
                break;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
        while (DateTime.UtcNow < deadline);

        foreach (var region in ChaosCluster.Regions)
        {
            var recorded = audited[region] - auditedBefore[region];
            figures.Check("every forged sequence a Region refuses is in its audit log",
                recorded >= refusals[region] ? null : $"{region}: {recorded} refusals recorded, {refusals[region]} sent");
        }

        var delivered = await InboxAsync(cluster, cancellationToken).ConfigureAwait(false);
        figures.Check("no material is delivered to a compromised Region",
            delivered.FirstOrDefault(e => e.Kind == KeyTransfer.Descriptor.FullName || e.Delivery is not null) is { } leaked
                ? $"a {leaked.Kind} with material for {leaked.KeyId} reached it" : null);
        progress($"adversary: {envelopes.Count} forged envelopes on {targets.Count} keys, {refusals.Values.Sum()} to be refused, "
                 + $"{delivered.Count} delivered to it (none with material)");
    }

    /// <summary>
    /// The later half of the forgeries to each Region as one batch, validly signed by the adversary: a batch's own
    /// signature must let no member past the checks its kind meets alone. The singles go first, so sequences still grow.
    /// </summary>
    private static List<Envelope> BatchLaterHalf(List<Envelope> envelopes, ECDsa signing)
    {
        var singles = new List<Envelope>();
        var batches = new List<Envelope>();
        foreach (var destination in envelopes.GroupBy(e => e.DestinationRegion, StringComparer.Ordinal))
        {
            var all = destination.ToList();
            singles.AddRange(all.Take(all.Count / 2));
            var members = all.Skip(all.Count / 2).Select(e => new Envelope(e) { Signature = ByteString.Empty }).ToList();
            if (members.Count == 0)
            {
                continue;
            }

            var batch = new Batch();
            batch.Members.AddRange(members);
            var envelope = new Envelope
            {
                MessageId = Guid.NewGuid().ToString("N"), SourceRegion = ChaosCluster.Adversary, DestinationRegion = destination.Key, KeyId = string.Empty,
                Sequence = members[^1].Sequence, SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
                Kind = Batch.Descriptor.FullName, Payload = batch.ToByteString(),
            };
            EnvelopeSignature.Sign(envelope, signing);
            batches.Add(envelope);
        }

        return [.. singles, .. batches];
    }

    private static SharedState Claim(string primary, long epoch, params HandOff[] handOffs)
    {
        var state = new SharedState
        {
            Epoch = epoch, SyncVersion = 1_000_000, PrimaryRegion = primary, KeySpec = "SYMMETRIC_DEFAULT", KeyUsage = "ENCRYPT_DECRYPT", Origin = "AWS_KMS",
            HandOffs = { handOffs },
        };
        state.ReplicaRegions.Add(ChaosCluster.Regions.Where(r => r != primary));
        return state;
    }

    /// <summary>
    /// A hand-off signed as the documentation says, with the adversary's own key whatever Region it names. Written here
    /// from the documented encoding rather than shared with the product (as <see cref="EnvelopeSignature"/> is), so a
    /// forgery is built the way an outsider would build it.
    /// </summary>
    private static HandOff HandOff(ECDsa signing, string keyId, long epoch, string previous, string next)
    {
        const string requestedBy = "kms.amazonaws.com";
        using var buffer = new MemoryStream();
        buffer.Write(Encoding.ASCII.GetBytes("mrk/v1/hand-off\0"));
        Span<byte> length = stackalloc byte[4];
        foreach (var text in new[] { keyId, previous, next, requestedBy })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, epoch);
        buffer.Write(number);
        return new HandOff
        {
            Epoch = epoch, PreviousPrimary = previous, NewPrimary = next, RequestedBy = requestedBy,
            Signature = ByteString.CopyFrom(signing.SignData(buffer.ToArray(), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence)),
        };
    }

    /// <summary>
    /// Up to <see cref="MaxKeys"/> multi-Region keys with their primary and replica Regions, as their primaries describe
    /// them, those with the most replicas first (they give the most Regions something to refuse).
    /// </summary>
    private static async Task<List<(string KeyId, string Primary, List<string> Replicas)>> MultiRegionKeysAsync(ChaosCluster cluster,
        CancellationToken cancellationToken)
    {
        const int MaxDescribed = 64;
        var found = new Dictionary<string, (string KeyId, string Primary, List<string> Replicas)>(StringComparer.Ordinal);
        foreach (var region in ChaosCluster.Regions)
        {
            var listed = await cluster.Client(region).CallAsync((kms, o) => kms.ListKeysAsync(new ListKeysRequest { Limit = 1000 }, o), cancellationToken)
                .ConfigureAwait(false);
            foreach (var key in listed.Keys.Where(k => k.KeyId.StartsWith("mrk-", StringComparison.Ordinal) && !found.ContainsKey(k.KeyId))
                         .Take(Math.Max(0, MaxDescribed - found.Count)))
            {
                var metadata = (await cluster.Client(region).DescribeKeyAsync(key.KeyId, cancellationToken).ConfigureAwait(false)).KeyMetadata;
                if (metadata.MultiRegionConfiguration is { } mr)
                {
                    found[key.KeyId] = (key.KeyId, mr.PrimaryKey.Region, mr.ReplicaKeys.Select(r => r.Region).ToList());
                }
            }
        }

        return [.. found.Values.OrderByDescending(k => k.Replicas.Count).ThenBy(k => k.KeyId, StringComparer.Ordinal).Take(MaxKeys)];
    }

    /// <summary>Per Region, how many internal events its audit log records as refused (AccessDeniedException).</summary>
    private static async Task<Dictionary<string, int>> RefusalCountsAsync(ChaosCluster cluster, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var region in ChaosCluster.Regions)
        {
            var count = 0;
            long after = 0;
            while (true)
            {
                var page = (ListAuditRecordsResponse)await cluster.OperatorClient(region).InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                    new ListAuditRecordsRequest { AfterSequence = after, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
                foreach (var record in page.Records)
                {
                    using var json = JsonDocument.Parse(record.Json);
                    var root = json.RootElement;
                    if (root.GetProperty("eventType").GetString() == "AwsServiceEvent" && root.TryGetProperty("errorCode", out var code)
                        && code.GetString() == "AccessDeniedException" && root.GetProperty("eventName").GetString()!.StartsWith("Receive", StringComparison.Ordinal))
                    {
                        count++;
                    }
                }

                if (!page.Truncated || page.Records.Count == 0)
                {
                    break;
                }

                after = page.Records[^1].Sequence;
            }

            counts[region] = count;
        }

        return counts;
    }

    private static GrpcChannel Channel(ChaosCluster cluster)
    {
        var certificate = ClusterPki.Load(cluster.Layout.RegionCertificate(ChaosCluster.Adversary), cluster.Layout.RegionKey(ChaosCluster.Adversary));
        var handler = ClusterHandlers.Create(certificate, ClusterHandlers.ControlPlane(CertificateFiles.LoadCertificate(cluster.Layout.AuthorityCertificate)));
        return GrpcChannel.ForAddress(cluster.ControlPlaneEndpoint, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static async Task SendAsync(ChaosCluster cluster, List<Envelope> envelopes, CancellationToken cancellationToken)
    {
        using var channel = Channel(cluster);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        using var call = new Internal.V1.Relay.RelayClient(channel).Connect(cancellationToken: stop.Token);
        foreach (var envelope in envelopes)
        {
            await call.RequestStream.WriteAsync(new RegionFrame { Send = envelope }, stop.Token).ConfigureAwait(false);
        }

        var stored = 0;
        while (stored < envelopes.Count && await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
        {
            stored += call.ResponseStream.Current.FrameCase == ControlPlaneFrame.FrameOneofCase.Stored ? 1 : 0;
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>What the ControlPlane delivers to the adversary's Region within a few quiet seconds (never acknowledged).</summary>
    private static async Task<List<Envelope>> InboxAsync(ChaosCluster cluster, CancellationToken cancellationToken)
    {
        using var channel = Channel(cluster);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        using var call = new Internal.V1.Relay.RelayClient(channel).Connect(cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new RegionFrame(), stop.Token).ConfigureAwait(false);
        var delivered = new List<Envelope>();
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            quiet.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                if (!await call.ResponseStream.MoveNext(quiet.Token).ConfigureAwait(false))
                {
                    return delivered;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                return delivered;
            }

            if (call.ResponseStream.Current.FrameCase == ControlPlaneFrame.FrameOneofCase.Deliver)
            {
                // A batch's messages count one by one: material inside a batch is material delivered.
                var envelope = call.ResponseStream.Current.Deliver;
                delivered.AddRange(envelope.Kind == Batch.Descriptor.FullName ? Batch.Parser.ParseFrom(envelope.Payload).Members : [envelope]);
            }
        }
    }
}
