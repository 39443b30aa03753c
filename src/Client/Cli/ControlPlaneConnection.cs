using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Cli;

/// <summary>
/// A connection to the ControlPlane as the cluster's operator: its address from --controlplane, the cluster file,
/// $MRK_CONTROLPLANE or the local default; the operator certificate and CA from the certificates folder.
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
        _channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = _handler });
        Admin = new ClusterAdmin.ClusterAdminClient(_channel);
    }

    public string Address { get; }

    public ClusterAdmin.ClusterAdminClient Admin { get; }

    public void Dispose()
    {
        _channel.Dispose();
        _handler.Dispose();
        _certificate.Dispose();
    }
}
