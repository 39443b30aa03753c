using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Telemetry;

/// <summary>
/// The RegionNode's instruments, on one meter. Calls follow OpenTelemetry's RPC conventions
/// (<c>rpc.server.call.duration</c> with <c>rpc.method</c>, <c>rpc.response.status_code</c> and <c>error.type</c>, here
/// the AWS exception name); the rest are this service's own, named <c>mrk.*</c>. What the store holds is read when the
/// metrics are scraped (<see cref="RefreshAsync"/>), never on a call's path.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "Grpc.Mrk.RegionNode";

    /// <summary>The node's spans beside ASP.NET Core's: each relay message it sends and each it processes.</summary>
    public const string SourceName = "Grpc.Mrk.RegionNode";

    /// <summary>From 50 us: a cached key's Encrypt takes well under a millisecond, a ReplicateKey under load seconds.</summary>
    private static readonly double[] CallBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly double[] LagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Cluster.Serving.ScrapeSnapshot<StoreCensus.Snapshot> _store;

    public NodeMetrics(IMeterFactory meters, StoreCensus census, Audit.AuditLog audit, SqliteDatabase database, SqliteKeyStore keys,
        Domain.Operations.UnwrappedMaterialCache materials, TimeProvider time)
    {
        _time = time;
        _store = new(census.TakeAsync, StoreCensus.Snapshot.Empty, time);
        _meter = meters.Create(MeterName);
        CallDuration = _meter.CreateHistogram("rpc.server.call.duration", "s", "Duration of calls this Region answered, by method, front and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        Envelopes = _meter.CreateCounter<long>("mrk.relay.envelopes", "{envelope}",
            "Replication messages from other Regions by outcome: applied, ignored (nothing to do), refused, duplicate, dead_lettered.");
        SyncLag = _meter.CreateHistogram("mrk.replication.sync_lag", "s",
            "Time from a change queued at its source Region to its application here (the two Regions' clocks included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        AuditVerifications = _meter.CreateCounter<long>("mrk.audit.verifications", "{verification}",
            "Verifications of this Region's audit log (hash chain and signed digests), an operator's or the node's own scheduled ones, by result: valid or invalid.");
        _meter.CreateObservableGauge("mrk.keys", ObserveKeys, "{key}", "Keys in this Region by state, spec and multi-Region role.");
        _meter.CreateObservableGauge("mrk.relay.outbox.depth", () => _store.Value.Outbox.Select(o =>
            new Measurement<long>(o.Depth, new KeyValuePair<string, object?>("mrk.destination", o.Destination))), "{envelope}",
            "Messages queued for each other Region and not yet stored by the ControlPlane.");
        _meter.CreateObservableGauge("mrk.relay.outbox.oldest_age", () => _store.Value.Outbox.Select(o =>
            new Measurement<double>(Math.Max(0, (_store.TakenAt - o.Oldest).TotalSeconds), new KeyValuePair<string, object?>("mrk.destination", o.Destination))), "s",
            "Age of the oldest message queued for each other Region.");
        _meter.CreateObservableGauge("mrk.audit.queue.depth", () => audit.QueuedRecords, "{record}",
            "Audit records accepted and not yet committed to the audit log.");
        var commits = _meter.CreateHistogram("mrk.sqlite.commit.duration", "s", "Commits to the Region's store, their flush to disk included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        database.Committed += took => commits.Record(took.TotalSeconds);
        var auditCommits = _meter.CreateHistogram("mrk.audit.commit.duration", "s",
            "Batches of audit records written and committed by the audit writer (each record's own commit is part of one).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        audit.BatchCommitted += took => auditCommits.Record(took.TotalSeconds);
        _meter.CreateObservableCounter("mrk.cache.lookups", () => Lookups("material", materials.Lookups).Concat(Lookups("key", keys.CacheLookups)),
            "{lookup}", "Uses of key material found unwrapped in memory or unwrapped under the domain key (material); reads of a key's rows answered from memory or from the store (key).");
        _meter.CreateObservableCounter("mrk.key_transport.operations", () => Transport.Select(t =>
            new Measurement<long>(Interlocked.Read(ref t.Value.Value), new KeyValuePair<string, object?>("mrk.operation", t.Key))), "{operation}",
            "Key material sealed for another Region (sealed), opened from one (opened), or that could not be opened and is asked for instead (not_opened).");
    }

    /// <summary>
    /// The meter, what it reads, and OpenTelemetry's metrics with the Prometheus exporter (mapped by the API's metrics
    /// endpoint); the node's traces too, exported when configured.
    /// </summary>
    public static void AddTo(IServiceCollection services, string region)
    {
        services.AddSingleton<StoreCensus>();
        services.AddSingleton<NodeMetrics>();
        Cluster.Serving.MetricsScrape.AddTelemetry(services, "grpc-mrk-regionnode", region, MeterName, SourceName);
    }

    public Histogram<double> CallDuration { get; }

    public Counter<long> Envelopes { get; }

    public Histogram<double> SyncLag { get; }

    public Counter<long> AuditVerifications { get; }

    /// <summary>Counts of key transport, by operation, read when scraped.</summary>
    private Dictionary<string, StrongBox<long>> Transport { get; } = new(StringComparer.Ordinal)
    {
        ["sealed"] = new(), ["opened"] = new(), ["not_opened"] = new(),
    };

    /// <summary>One key transport operation: "sealed", "opened" or "not_opened".</summary>
    public void KeyTransport(string operation, int count = 1) => Interlocked.Add(ref Transport[operation].Value, count);

    public void AuditVerified(bool valid) => AuditVerifications.Add(1, new KeyValuePair<string, object?>("mrk.result", valid ? "valid" : "invalid"));

    /// <summary>
    /// One replication message from <paramref name="source"/>: its <paramref name="outcome"/>, and for one applied
    /// here the time since its source queued it.
    /// </summary>
    public void Envelope(string source, string kind, string outcome, DateTimeOffset? queuedAt = null)
    {
        var tags = new TagList { { "mrk.source", source }, { "mrk.message.kind", kind }, { "mrk.outcome", outcome } };
        Envelopes.Add(1, tags);
        if (queuedAt is { } at && outcome == "applied")
        {
            SyncLag.Record(Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds),
                new TagList { { "mrk.source", source }, { "mrk.message.kind", kind } });
        }
    }

    /// <summary>Reads what the store holds, at most once a second however often the metrics are scraped.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _store.RefreshAsync(cancellationToken);

    private static Measurement<long>[] Lookups(string cache, (long Hits, long Misses) counts) =>
    [
        new(counts.Hits, new KeyValuePair<string, object?>("mrk.cache", cache), new KeyValuePair<string, object?>("mrk.result", "hit")),
        new(counts.Misses, new KeyValuePair<string, object?>("mrk.cache", cache), new KeyValuePair<string, object?>("mrk.result", "miss")),
    ];

    private IEnumerable<Measurement<long>> ObserveKeys() => _store.Value.Keys.Select(k => new Measurement<long>(k.Count,
        new KeyValuePair<string, object?>("mrk.key.state", k.State), new KeyValuePair<string, object?>("mrk.key.spec", k.Spec),
        new KeyValuePair<string, object?>("mrk.multi_region.role", k.Role)));

    public void Dispose()
    {
        _meter.Dispose();
        _store.Dispose();
    }
}
