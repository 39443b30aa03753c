using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.Chaos.Fuzz;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// Bad input at scale against a cluster started here: seven in ten cases go to a random public RPC of a random Region,
/// two in ten to a random operation of AWS's JSON protocol on a random Region (<see cref="AwsJsonFuzzer"/>; no answer
/// may be a 500 other than a fault AWS's model declares), one in ten to the ControlPlane's relay stream as a Region would send them (forged, misrouted, replayed, oversized, batches whose members do not match them,
/// garbage, cut off); then a compromised Region's forged protocol sequences (<see cref="AdversaryRun"/>). Checked: no
/// process exits, no answer is INTERNAL or UNKNOWN, a batch of calls that were all refused leaves every store exactly
/// as it was, each process's memory stays bounded, and the compromised Region changes nothing and receives no material.
/// </summary>
public static class FuzzRun
{
    private const int Batch = 100;
    private const int Concurrency = 16;
    private const long MaxGrowthBytes = 512L * 1024 * 1024;

    /// <summary>Every this many batches, one is run between two quiet points so multi-Region keys are compared too.</summary>
    private const int SealedEvery = 50;
    private static readonly TimeSpan QuietWithin = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);

    public static async Task<(RunFigures Figures, string Folder)> RunAsync(int seed, long cases, string? folder, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var where = folder ?? Path.Combine(Path.GetTempPath(), $"mrk-fuzz-{seed}-{Guid.NewGuid():N}"[..30]);
        Directory.CreateDirectory(where);
        var figures = new RunFigures { Seed = seed };
        var clock = Stopwatch.StartNew();
        await using (var cluster = await ChaosCluster.StartAsync(where, cancellationToken).ConfigureAwait(false))
        {
            var (identifiers, blobs) = await FuzzTargets.PrepareAsync(cluster, cancellationToken).ConfigureAwait(false);
            _ = await QuietFingerprintsAsync(cluster, cancellationToken).ConfigureAwait(false)
                ?? throw new TimeoutException($"The cluster did not go quiet within {QuietWithin.TotalSeconds} s of preparing the fuzz targets.");
            var memoryBefore = Memory(cluster);
            var random = new Random(seed);
            var fuzzer = new WireFuzzer(random, identifiers, blobs);
            var relayCases = cases / 10;
            var jsonCases = cases / 5;
            figures.FuzzCases = cases;
            try
            {
                await PublicApiAsync(cluster, fuzzer, random, cases - relayCases - jsonCases, figures, progress, cancellationToken).ConfigureAwait(false);
                await AwsJsonAsync(cluster, new AwsJsonFuzzer(random, identifiers, blobs), jsonCases, figures, progress, cancellationToken).ConfigureAwait(false);
                await RelayAsync(cluster, fuzzer, random, relayCases, figures, progress, cancellationToken).ConfigureAwait(false);
                await AdversaryRun.RunAsync(cluster, figures, progress, token => QuietFingerprintsAsync(cluster, token), cancellationToken).ConfigureAwait(false);

                await FuzzTargets.StillWorksAsync(cluster, figures, cancellationToken).ConfigureAwait(false);
                foreach (var (name, before) in memoryBefore)
                {
                    var after = Memory(cluster).GetValueOrDefault(name);
                    figures.Check("memory stays bounded (RSS growth under 512 MiB)", after - before < MaxGrowthBytes
                        ? null : $"{name}: {before / 1048576} MiB -> {after / 1048576} MiB");
                }
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && Interruption.IsCancellation(e))
            {
                figures.Interrupted = true;
                progress("interrupted; stopping the cluster");
            }
        }

        figures.Elapsed = clock.Elapsed;
        if (figures.Violations.Count == 0 && !figures.Interrupted && folder is null)
        {
            Directory.Delete(where, recursive: true);
        }

        return (figures, where);
    }

    private static async Task PublicApiAsync(ChaosCluster cluster, WireFuzzer fuzzer, Random random, long cases, RunFigures figures, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var methods = KeyManagementService.Descriptor.Methods.Concat(AuditLog.Descriptor.Methods).ToList();
        var calls = methods.ToDictionary(m => m, m => RawCalls.Unary(m.Service.FullName, m.Name));
        using var ca = CertificateFiles.LoadCertificate(cluster.Layout.AuthorityCertificate);
        var channels = ChaosCluster.Regions.ToDictionary(r => r, r => GrpcChannel.ForAddress(cluster.Endpoint(r), new GrpcChannelOptions
        {
            HttpHandler = ClusterHandlers.Create(null, ClusterHandlers.Server(ca, r)), MaxSendMessageSize = null,
        }));
        var baseline = Fingerprints(cluster);
        long covered = 0;
        try
        {
            for (long sent = 0; sent < cases; sent += Batch)
            {
                var batch = Enumerable.Range(0, (int)Math.Min(Batch, cases - sent)).Select(_ =>
                {
                    var method = methods[random.Next(methods.Count)];
                    return (Method: method, Region: ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)], Body: fuzzer.Next(method.InputType));
                }).ToList();
                var sealedBefore = (sent / Batch) % SealedEvery == SealedEvery - 1
                    ? await QuietFingerprintsAsync(cluster, cancellationToken).ConfigureAwait(false)
                    : null;
                var changed = 0;
                var refused = 0;
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (c, ct) =>
                {
                    var status = await CallAsync(channels[c.Region].CreateCallInvoker(), calls[c.Method], c.Body, ct).ConfigureAwait(false);
                    var fromServer = status.DebugException is null;
                    figures.Answer(fromServer ? $"public API {status.StatusCode}" : $"public API reset under the client ({status.StatusCode})");
                    figures.Check("no fuzz case answered INTERNAL or UNKNOWN", fromServer && status.StatusCode is StatusCode.Internal or StatusCode.Unknown
                        ? $"{c.Method.Name} in {c.Region}: {status.StatusCode} {status.Detail} (body {Convert.ToHexString(c.Body.AsSpan(0, Math.Min(64, c.Body.Length)))})"
                        : null);
                    if (status.StatusCode == StatusCode.OK && !ReadOnly(c.Method))
                    {
                        Interlocked.Increment(ref changed);
                    }
                    else if (status.StatusCode != StatusCode.OK)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }).ConfigureAwait(false);

                (baseline, var unchanged) = AfterBatch(cluster, figures, baseline, changed == 0, $"batch at case {sent}");
                if (unchanged)
                {
                    covered += refused;
                    if (sealedBefore is not null)
                    {
                        await CheckSealedAsync(cluster, sealedBefore, sent, figures, cancellationToken).ConfigureAwait(false);
                    }
                }

                if ((sent / Batch) % 100 == 99)
                {
                    progress($"public API: {sent + Batch}/{cases} cases, {covered} refused calls checked for no change, {figures.Violations.Count} violations");
                }
            }
        }
        finally
        {
            foreach (var channel in channels.Values)
            {
                channel.Dispose();
            }
        }

        figures.Check($"refused fuzz calls covered by a no-change check: {covered}", null);
    }

    /// <summary>
    /// After a batch: every process still runs, and when no call of the batch could have changed anything
    /// (<paramref name="allRefused"/>), every store is as it was before it. Returns the stores' fingerprints to compare
    /// the next batch with, and whether this one was checked.
    /// </summary>
    private static (Dictionary<string, string> Now, bool Checked) AfterBatch(ChaosCluster cluster, RunFigures figures, Dictionary<string, string> before,
        bool allRefused, string what)
    {
        CheckAlive(cluster, figures);
        var now = Fingerprints(cluster);
        if (allRefused)
        {
            foreach (var region in ChaosCluster.Regions)
            {
                figures.Check("a batch of refused calls changes no store", now[region] == before[region] ? null : $"{region}: store changed in {what}");
            }
        }

        return (now, allRefused);
    }

    private static async Task AwsJsonAsync(ChaosCluster cluster, AwsJsonFuzzer fuzzer, long cases, RunFigures figures, Action<string> progress,
        CancellationToken cancellationToken)
    {
        using var ca = CertificateFiles.LoadCertificate(cluster.Layout.AuthorityCertificate);
        var clients = ChaosCluster.Regions.ToDictionary(r => r, r => new HttpClient(ClusterHandlers.Create(null, ClusterHandlers.Server(ca, r)))
        {
            Timeout = CallDeadline,
        });
        var random = new Random(unchecked((int)cases));
        var baseline = Fingerprints(cluster);
        long covered = 0;
        try
        {
            for (long sent = 0; sent < cases; sent += Batch)
            {
                var batch = Enumerable.Range(0, (int)Math.Min(Batch, cases - sent))
                    .Select(_ => (Case: fuzzer.Next(), Region: ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)])).ToList();
                var changed = 0;
                var refused = 0;
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (c, ct) =>
                {
                    var (status, type) = await SendAsync(clients[c.Region], cluster.Endpoint(c.Region), c.Case, ct).ConfigureAwait(false);
                    figures.Answer(status is null ? "AWS JSON reset under the client" : $"AWS JSON {status} {type}".TrimEnd());
                    figures.Check("no AWS JSON fuzz case answered 500 (except a fault AWS's model declares)",
                        status == 500 && type is not ("DependencyTimeoutException" or "KeyUnavailableException")
                            ? $"{c.Case.Operation} in {c.Region}: 500 {type} (body {Convert.ToHexString(c.Case.Body.AsSpan(0, Math.Min(64, c.Case.Body.Length)))})"
                            : null);
                    var method = KeyManagementService.Descriptor.FindMethodByName(c.Case.Operation);
                    if (status == 200 && (method is null || !ReadOnly(method)))
                    {
                        Interlocked.Increment(ref changed);
                    }
                    else if (status != 200)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }).ConfigureAwait(false);

                (baseline, var unchanged) = AfterBatch(cluster, figures, baseline, changed == 0, $"AWS JSON batch at case {sent}");
                covered += unchanged ? refused : 0;

                if ((sent / Batch) % 50 == 49)
                {
                    progress($"AWS JSON: {sent + Batch}/{cases} cases, {covered} refused calls checked for no change, {figures.Violations.Count} violations");
                }
            }
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }

        figures.Check($"refused AWS JSON fuzz calls covered by a no-change check: {covered}", null);
    }

    /// <summary>The HTTP status and AWS exception name of one case; a null status when the connection was reset under the client.</summary>
    private static async Task<(int? Status, string? Type)> SendAsync(HttpClient client, Uri endpoint, AwsJsonCase fuzzCase, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(fuzzCase.Body),
            Version = fuzzCase.Http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzzCase.ContentType);
        if (fuzzCase.Target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", fuzzCase.Target);
        }

        foreach (var (name, value) in fuzzCase.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            string? type = null;
            try
            {
                using var document = JsonDocument.Parse(body);
                type = document.RootElement.TryGetProperty("__type", out var name) ? name.GetString() : null;
            }
            catch (JsonException)
            {
                // Answers of the HTTP server itself (405, 413, 431) have no JSON body.
            }

            return ((int)response.StatusCode, type);
        }
        catch (HttpRequestException)
        {
            return (null, null);
        }
    }

    private static async Task RelayAsync(ChaosCluster cluster, WireFuzzer fuzzer, Random random, long cases, RunFigures figures, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var connect = RawCalls.Duplex(Internal.V1.Relay.Descriptor.FullName, "Connect");
        List<MessageDescriptor> kinds = [.. ReplicationReflection.Descriptor.MessageTypes, TransportPrekeys.Descriptor, Internal.V1.Batch.Descriptor];
        using var ca = CertificateFiles.LoadCertificate(cluster.Layout.AuthorityCertificate);
        for (long sent = 0; sent < cases;)
        {
            var region = ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)];
            using var certificate = ClusterPki.Load(cluster.Layout.RegionCertificate(region), cluster.Layout.RegionKey(region));
            using var signing = ECDsa.Create();
            signing.ImportFromPem(await File.ReadAllTextAsync(cluster.Layout.SigningKey(region), cancellationToken).ConfigureAwait(false));
            using var channel = GrpcChannel.ForAddress(cluster.ControlPlaneEndpoint, new GrpcChannelOptions
            {
                HttpHandler = ClusterHandlers.Create(certificate, ClusterHandlers.ControlPlane(ca)), MaxSendMessageSize = null,
            });
            var session = (int)Math.Min(cases - sent, random.Next(20, 200));
            var frames = Enumerable.Range(0, session).Select(_ => RelayFrame(random, fuzzer, kinds, region, signing)).ToList();
            var cutOff = random.NextDouble() < 0.3;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(30));
            var (status, detail, fromServer) = await StreamAsync(channel.CreateCallInvoker(), connect, frames, cutOff, stop.Token).ConfigureAwait(false);
            // A status the client library makes up when the connection under the stream is reset (it carries the
            // transport exception) is not an answer of the ControlPlane: counted apart, not as a violation.
            figures.Answer(fromServer ? $"relay stream {status}" : $"relay stream reset under the client ({status})");
            figures.Check("no relay stream ends with INTERNAL or UNKNOWN",
                fromServer && status is StatusCode.Internal or StatusCode.Unknown ? $"{region}: {status} {detail}" : null);
            CheckAlive(cluster, figures);
            sent += session;
        }

        progress($"relay: {cases} frames sent, {figures.Violations.Count} violations");
    }

    private static byte[] RelayFrame(Random random, WireFuzzer fuzzer, List<MessageDescriptor> kinds, string region, ECDsa signing)
    {
        var roll = random.NextDouble();
        if (roll < 0.15)
        {
            // Garbage where a frame belongs, or a frame with fields of the wrong shape.
            return fuzzer.Next(RegionFrame.Descriptor);
        }

        var others = ChaosCluster.Regions.Where(r => r != region).ToArray();
        var kind = kinds[random.Next(kinds.Count)];
        var envelope = new Envelope
        {
            MessageId = random.NextDouble() < 0.05 ? string.Empty : random.NextDouble() < 0.05 ? new string('m', 100) : Guid.NewGuid().ToString("N"),
            SourceRegion = random.NextDouble() < 0.1 ? others[0] : region,
            DestinationRegion = random.NextDouble() < 0.1 ? (random.NextDouble() < 0.5 ? region : "xx-nowhere-1") : others[random.Next(others.Length)],
            KeyId = "mrk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Kind = random.NextDouble() < 0.05 ? "mrk.internal.v1.Unknown" : kind.FullName,
            Sequence = (ulong)random.NextInt64(0, long.MaxValue),
            SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
            Payload = ByteString.CopyFrom(random.NextDouble() < 0.02 ? new byte[300 * 1024] : fuzzer.Next(kind)),
            Delivery = Delivery(random),
            TraceParent = TraceParent(random),
        };
        if (kind == Internal.V1.Batch.Descriptor && roll < 0.45)
        {
            // A batch signed with the Region's real key and a fresh sequence, whose members (fuzzed messages of every
            // kind) do not end at that sequence: its members are refused whole, before any of them is applied.
            var batch = new Internal.V1.Batch();
            for (var i = 1; i <= random.Next(1, 6); i++)
            {
                var memberKind = kinds[random.Next(kinds.Count - 1)];
                batch.Members.Add(new Envelope(envelope)
                {
                    MessageId = Guid.NewGuid().ToString("N"), Sequence = (ulong)i, Kind = memberKind.FullName, Payload = ByteString.CopyFrom(fuzzer.Next(memberKind)),
                    Delivery = Delivery(random), TraceParent = TraceParent(random),
                });
            }

            envelope.Payload = batch.ToByteString();
            envelope.Sequence = (ulong)random.NextInt64(100, long.MaxValue);
            EnvelopeSignature.Sign(envelope, signing);
        }
        else if (roll < 0.45)
        {
            // Signed with the Region's real key but as an old sequence: a replay, refused at the receiving Region's gate.
            envelope.Sequence = (ulong)random.Next(0, 3);
            EnvelopeSignature.Sign(envelope, signing);
        }
        else if (roll < 0.75)
        {
            envelope.Signature = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(random.Next(0, 120)));
        }

        return new RegionFrame { Send = envelope }.ToByteArray();
    }

    /// <summary>Trace context in one frame of four: well formed, or text that only looks like it.</summary>
    private static string TraceParent(Random random) => random.Next(8) switch
    {
        0 => $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01",
        1 => "00-" + new string('z', random.Next(0, 80)),
        _ => string.Empty,
    };

    /// <summary>
    /// Material claimed to be sealed for the destination, in one frame of five: a prekey ID that may or may not look
    /// real, a sender key that is random bytes or a real P-384 key, and ciphertexts that open under nothing.
    /// </summary>
    private static KeyDelivery? Delivery(Random random)
    {
        if (random.NextDouble() >= 0.2)
        {
            return null;
        }

        using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var delivery = new KeyDelivery
        {
            PrekeyId = random.NextDouble() < 0.5 ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : new string('z', random.Next(0, 80)),
            SenderPublicKey = ByteString.CopyFrom(random.NextDouble() < 0.5 ? sender.ExportSubjectPublicKeyInfo() : RandomNumberGenerator.GetBytes(random.Next(0, 200))),
        };
        for (var i = 0; i < random.Next(0, 4); i++)
        {
            delivery.Materials.Add(new SealedMaterial
            {
                MaterialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(random.Next(0, 20))),
                Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(random.Next(0, 100))),
            });
        }

        return delivery;
    }

    private static async Task<Status> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            using var call = invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow + CallDeadline, cancellationToken: cancellationToken), body);
            await call.ResponseAsync.ConfigureAwait(false);
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    private static async Task<(StatusCode Status, string Detail, bool FromServer)> StreamAsync(CallInvoker invoker, Method<byte[], byte[]> method, List<byte[]> frames, bool cutOff,
        CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = invoker.AsyncDuplexStreamingCall(method, null, new CallOptions(cancellationToken: stop.Token));
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
                {
                }

                return (call.GetStatus().StatusCode, call.GetStatus().Detail, true);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e.Status.Detail, e.Status.DebugException is null);
            }
            catch (OperationCanceledException)
            {
                return (StatusCode.Cancelled, "cancelled here", true);
            }
        }, CancellationToken.None);

        var ended = false;
        try
        {
            foreach (var frame in frames)
            {
                await call.RequestStream.WriteAsync(frame, stop.Token).ConfigureAwait(false);
            }

            if (!cutOff)
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException)
        {
            // The ControlPlane ended the stream (for example on a frame it could not parse); its status tells why.
            ended = true;
        }

        // A stream the ControlPlane ended has its status on the way; one it keeps open (as it does a Region's) is
        // listened to for a moment; a cut-off one ends now, mid-conversation, without a clean close.
        var listen = ended ? TimeSpan.FromSeconds(5) : cutOff ? TimeSpan.Zero : TimeSpan.FromMilliseconds(500);
        await Task.WhenAny(reading, Task.Delay(listen, CancellationToken.None)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        return await reading.ConfigureAwait(false);
    }

    /// <summary>Methods that store nothing when they succeed, as each declares in protos/ (idempotency_level NO_SIDE_EFFECTS).</summary>
    private static bool ReadOnly(MethodDescriptor method) => Declarations.MethodDeclarations.Public.Of(method) is { ChangesState: false };

    private static Dictionary<string, string> Fingerprints(ChaosCluster cluster, bool multiRegion = false) =>
        ChaosCluster.Regions.ToDictionary(r => r, r => StoreFingerprint.Of(Path.Combine(cluster.DataDirectory(r), "region.db"), multiRegion));

    /// <summary>
    /// A batch of refused calls run between two quiet points leaves every store as it was, multi-Region keys included;
    /// and refused calls start no background work, so the cluster goes quiet again.
    /// </summary>
    private static async Task CheckSealedAsync(ChaosCluster cluster, Dictionary<string, string> before, long sent, RunFigures figures,
        CancellationToken cancellationToken)
    {
        var after = await QuietFingerprintsAsync(cluster, cancellationToken).ConfigureAwait(false);
        figures.Check("the cluster goes quiet again after a batch of refused calls",
            after is null ? $"not quiet within {QuietWithin.TotalSeconds} s of the batch at case {sent}" : null);
        if (after is null)
        {
            return;
        }

        foreach (var region in ChaosCluster.Regions)
        {
            figures.Check("a batch of refused calls changes no store, multi-Region keys included (compared when quiet)",
                after[region] == before[region] ? null : $"{region}: multi-Region keys changed in the batch at case {sent}");
        }
    }

    /// <summary>
    /// Every store's full fingerprint once the relay queues are empty and it stays the same over more than a sync
    /// interval; null when that does not happen within <see cref="QuietWithin"/>.
    /// </summary>
    private static async Task<Dictionary<string, string>?> QuietFingerprintsAsync(ChaosCluster cluster, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + QuietWithin;
        Dictionary<string, string>? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var status = await cluster.StatusAsync(cancellationToken).ConfigureAwait(false);
            var now = status.Regions.All(r => r.QueueDepth == 0 && r.Connected) ? Fingerprints(cluster, multiRegion: true) : null;
            if (now is not null && last is not null && ChaosCluster.Regions.All(r => now[r] == last[r]))
            {
                return now;
            }

            last = now;
            await Task.Delay(600, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private static void CheckAlive(ChaosCluster cluster, RunFigures figures)
    {
        foreach (var node in ChaosCluster.Regions.Select(cluster.Region).Concat(cluster.ControlPlanes))
        {
            figures.Check("no process exits under bad input", node.Running ? null : $"{node.Name} exited; see {node.LogFile}");
            if (!node.Running)
            {
                node.Start();
            }
        }
    }

    private static Dictionary<string, long> Memory(ChaosCluster cluster) =>
        ChaosCluster.Regions.Select(cluster.Region).Concat(cluster.ControlPlanes)
            .ToDictionary(n => n.Name, n => n.Pid is { } pid ? Rss(pid) : 0);

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
