using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace Grpc.Mrk.Cli;

/// <summary>
/// A connection to the ControlPlane as the cluster's operator: its address from --controlplane, the cluster file,
/// $MRK_CONTROLPLANE or the local default; the operator certificate and CA from the certificates folder. Several
/// addresses, comma-separated, are the replicas of one relay: calls go to the first that answers (pick_first).
/// </summary>
internal sealed class ControlPlaneConnection : IDisposable
{
    public const string DefaultAddress = "https://127.0.0.1:7100";

    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate;
    private readonly HttpMessageHandler _handler;
    private readonly GrpcChannel _channel;

    public ControlPlaneConnection(string? address, string? certificates, LocalClusterFile? cluster)
    {
        var layout = new ClusterLayout(certificates ?? cluster?.Certificates ?? ".mrk/certs");
        Address = address ?? cluster?.ControlPlane ?? Environment.GetEnvironmentVariable("MRK_CONTROLPLANE") ?? DefaultAddress;
        _certificate = ClusterPki.Load(layout.OperatorCertificate, layout.OperatorKey);
        _handler = ClusterHandlers.Create(_certificate, ClusterHandlers.ControlPlane(CertificateFiles.LoadCertificate(layout.AuthorityCertificate)));
        _channel = Channel(Address, _handler);
        Admin = new ClusterAdmin.ClusterAdminClient(_channel);
    }

    public string Address { get; }

    private static GrpcChannel Channel(string address, HttpMessageHandler handler)
    {
        var replicas = address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => new Uri(a)).ToList();
        if (replicas.Count <= 1)
        {
            return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        }

        return GrpcChannel.ForAddress("static:///controlplane", new GrpcChannelOptions
        {
            HttpHandler = handler,
            Credentials = ChannelCredentials.SecureSsl,
            ServiceProvider = new Resolvers(new StaticResolverFactory(_ => replicas.Select(r => new BalancerAddress(r.Host, r.Port)))),
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } },
        });
    }

    public ClusterAdmin.ClusterAdminClient Admin { get; }

    public void Dispose()
    {
        _channel.Dispose();
        _handler.Dispose();
        _certificate.Dispose();
    }

    /// <summary>Hands the channel its address resolver (grpc-dotnet looks it up as a service).</summary>
    private sealed class Resolvers(ResolverFactory factory) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { factory } : null;
    }
}
