using System.Diagnostics;
using Grpc.Mrk.Cluster.Tracing;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>The ControlPlane's spans: each message it stores and each it delivers, in the trace the message carries.</summary>
public static class RelayTracing
{
    public const string SourceName = "Grpc.Mrk.ControlPlane";

    private static readonly ActivitySource Source = new(SourceName);

    public static void AddTo(IServiceCollection services) => services.AddSingleton(new EnvelopeTrace(Source));
}
