using System.Diagnostics;
using Grpc.Mrk.Cluster.Tracing;

namespace Grpc.Mrk.RegionNode.Telemetry;

/// <summary>The node's spans beside ASP.NET Core's: each relay message it sends and each it processes (docs/operations.md "Traces").</summary>
public static class NodeTracing
{
    public const string SourceName = "Grpc.Mrk.RegionNode";

    private static readonly ActivitySource Source = new(SourceName);

    public static void AddTo(IServiceCollection services) => services.AddSingleton(new EnvelopeTrace(Source));
}
