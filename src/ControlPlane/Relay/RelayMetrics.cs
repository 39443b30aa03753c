using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Mrk.ControlPlane.Storage;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>
/// The ControlPlane's instruments, on one meter: per Region its connection and the queue held for it (read from the
/// relay store when the metrics are scraped, <see cref="RefreshAsync"/>), and the envelopes stored, delivered and refused.
/// Labels name only the cluster's configured Regions.
/// </summary>
public sealed class RelayMetrics : IDisposable
{
    public const string MeterName = "Grpc.Mrk.ControlPlane";

    /// <summary>The ControlPlane's spans: each message it stores and each it delivers, in the trace the message carries.</summary>
    public const string SourceName = "Grpc.Mrk.ControlPlane";

    private readonly Meter _meter;
    private readonly Cluster.Serving.ScrapeSnapshot<Dictionary<string, (long Depth, DateTimeOffset Oldest)>> _depths;

    public RelayMetrics(IMeterFactory meters, IRelayQueue queue, RegionConnections connections, ClusterRegions regions, TimeProvider time)
    {
        _depths = new(queue.DepthsAsync, [], time);
        _meter = meters.Create(MeterName);
        Stored = _meter.CreateCounter<long>("mrk.relay.envelopes.stored", "{envelope}", "Envelopes stored for delivery, by source Region (a resend of one already held is not counted again).");
        Delivered = _meter.CreateCounter<long>("mrk.relay.envelopes.delivered", "{envelope}",
            "Envelopes their destination acknowledged (and the queue dropped), by destination Region.");
        Refused = _meter.CreateCounter<long>("mrk.relay.envelopes.refused", "{envelope}",
            "Envelopes refused for their routing (a source that is not the sender, an unknown destination, too large), by sending Region.");
        ConsoleSignIns = _meter.CreateCounter<long>("mrk.console.sign_ins", "{attempt}",
            "Sign-ins to the web console with an operator API key, by result (signed_in, refused).");
        _meter.CreateObservableGauge("mrk.relay.connected", () => regions.Names.Select(r =>
            new Measurement<int>(connections.IsConnected(r) ? 1 : 0, new KeyValuePair<string, object?>("mrk.region", r))), "{connection}",
            "1 while the Region holds its relay stream, else 0.");
        _meter.CreateObservableGauge("mrk.relay.queue.depth", () => regions.Names.Select(r =>
            new Measurement<long>(_depths.Value.GetValueOrDefault(r).Depth, new KeyValuePair<string, object?>("mrk.destination", r))), "{envelope}",
            "Envelopes held for each Region and not yet acknowledged by it.");
        _meter.CreateObservableGauge("mrk.relay.queue.oldest_age", () => regions.Names.Select(r =>
            new Measurement<double>(_depths.Value.TryGetValue(r, out var d) ? Math.Max(0, (_depths.TakenAt - d.Oldest).TotalSeconds) : 0,
                new KeyValuePair<string, object?>("mrk.destination", r))), "s",
            "How long the oldest envelope held for each Region has waited: that Region's replication lag.");
        _meter.CreateObservableGauge("mrk.relay.dead_letters", () => regions.Names.Select(r =>
            new Measurement<long>(connections.DeadLetters(r), new KeyValuePair<string, object?>("mrk.region", r))), "{envelope}",
            "Envelopes each Region set aside because they failed to apply, as it last reported.");
    }

    public Counter<long> Stored { get; }

    public Counter<long> Delivered { get; }

    public Counter<long> Refused { get; }

    public Counter<long> ConsoleSignIns { get; }

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<RelayMetrics>();
        Cluster.Serving.MetricsScrape.AddTelemetry(services, "grpc-mrk-controlplane", null, MeterName, SourceName);
    }

    public static TagList Region(string name, string key) => new() { { key, name } };

    /// <summary>Reads the queue's depths, at most once a second however often the metrics are scraped.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _depths.RefreshAsync(cancellationToken);

    public void Dispose()
    {
        _meter.Dispose();
        _depths.Dispose();
    }
}
