using Google.Protobuf;
using Grpc.Mrk.ControlPlane.Storage.JetStream;
using Grpc.Mrk.Internal.V1;
using NATS.Client.Core;

namespace Grpc.Mrk.ControlPlane.Relay.Replicas;

/// <summary>
/// Passes the census and audit frames each replica accepts to the others over the log's servers (plain NATS messages,
/// not kept: they are views, and every Region sends them again), so every replica's console shows every Region. A
/// frame from another replica is held to the same bounds as one from a Region.
/// </summary>
public sealed class SharedViews(RelayLog log, KeyCensusBoard census, AuditTimeline timeline, ClusterRegions regions, ILogger<SharedViews> logger)
    : BackgroundService, IReplicaViews
{
    private const string ReplicaHeader = "Mrk-Replica";

    public void Share(string region, RegionFrame frame)
    {
        var headers = new NatsHeaders { [ReplicaHeader] = log.Settings.ReplicaName };
        // Fire and forget: a view lost on the way is replaced by the Region's next one.
        _ = log.Connection.PublishAsync($"mrk.views.{region}", frame.ToByteArray(), headers).AsTask().ContinueWith(
            t => Log.RelayLogUnreachable(logger, log.Settings.ReplicaName, t.Exception!.GetBaseException().Message), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in log.Connection.SubscribeAsync<byte[]>("mrk.views.*", cancellationToken: stoppingToken).ConfigureAwait(false))
            {
                var region = message.Subject["mrk.views.".Length..];
                var data = message.Data;
                var from = message.Headers is { } headers && headers.TryGetValue(ReplicaHeader, out var replica) ? replica.ToString() : string.Empty;
                if (from == log.Settings.ReplicaName || !regions.Names.Contains(region) || data is null)
                {
                    continue;
                }

                RegionFrame frame;
                try
                {
                    frame = RegionFrame.Parser.ParseFrom(data);
                }
                catch (InvalidProtocolBufferException)
                {
                    continue;
                }

                if (frame.FrameCase == RegionFrame.FrameOneofCase.Census)
                {
                    census.Accept(region, frame.Census);
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Audit)
                {
                    timeline.Accept(region, frame.Audit);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
