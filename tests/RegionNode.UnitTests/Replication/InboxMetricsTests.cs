using System.Diagnostics.Metrics;
using Google.Protobuf;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.RegionNode.Telemetry;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// What the inbox counts, as a Region that lies would try to use it: an envelope naming a source the cluster does not
/// have must not make that name a metric label (every name would be a new series in every scrape).
/// </summary>
public sealed class InboxMetricsTests : IDisposable
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";

    private readonly TempDirectory _certificates = new();
    private readonly ReplicationIdentity _east;
    private readonly ReplicationIdentity _west;
    private readonly TempStore _westStore = new(region: West);
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly NodeMetrics _metrics;
    private readonly Inbox _inbox;
    private readonly MeterListener _listener = new();
    private readonly List<(string Source, string Kind, string Outcome)> _counted = [];

    public InboxMetricsTests()
    {
        ClusterBootstrap.Run(new ClusterLayout(_certificates.Path), [East, West], [], TimeProvider.System);
        _east = new ReplicationIdentity(_certificates.Path, East, TimeProvider.System);
        _west = new ReplicationIdentity(_certificates.Path, West, TimeProvider.System);
        _metrics = new NodeMetrics(_meters.GetRequiredService<IMeterFactory>(), new StoreCensus(_westStore.Database, _westStore.Region),
            _westStore.AuditLog, _westStore.Database, _westStore.Store, _westStore.MaterialCache, _westStore.Clock);
        _inbox = new Inbox(_westStore.Relay, _west, [new ProbeHandler()], _westStore.AuditLog, _westStore.Region, NullLogger<Inbox>.Instance,
            metrics: _metrics);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == NodeMetrics.MeterName && instrument.Name == "mrk.relay.envelopes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => (string)t.Value!);
            lock (_counted)
            {
                _counted.Add((map["mrk.source"], map["mrk.message.kind"], map["mrk.outcome"]));
            }
        });
        _listener.Start();
    }

    [Fact]
    public async Task AMadeUpSource_IsCountedAsUnknown_AKnownOneByName()
    {
        var forged = Probe(East, 5);
        forged.SourceRegion = "made-up-region-7";
        EnvelopeSigning.Sign(forged, _east.SigningKey);
        await _inbox.ReceiveAsync(forged, CancellationToken.None).WithTimeout();

        var real = Probe(East, 6);
        EnvelopeSigning.Sign(real, _east.SigningKey);
        await _inbox.ReceiveAsync(real, CancellationToken.None).WithTimeout();
        await _inbox.ReceiveAsync(real, CancellationToken.None).WithTimeout();

        Assert.Equal([("unknown", "Envelope", "refused"), (East, "Envelope", "duplicate")], _counted);
        Assert.DoesNotContain(_counted, c => c.Source.Contains("made-up", StringComparison.Ordinal));
    }

    private static Envelope Probe(string source, ulong sequence) => new()
    {
        MessageId = $"m-{sequence}", SourceRegion = source, DestinationRegion = West, KeyId = string.Empty, Sequence = sequence,
        SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Kind = Internal.V1.Probe.Descriptor.FullName,
        Payload = new Probe { Text = "p" }.ToByteString(),
    };

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
        _meters.Dispose();
        _east.Dispose();
        _west.Dispose();
        _westStore.Dispose();
        _certificates.Dispose();
    }
}
