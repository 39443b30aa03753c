using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.Mrk.Identity;
using Grpc.Net.Client;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// A container health check through grpc.health.v1 without extra binaries: a process runs itself with `probe`, which
/// asks its own listening address (a wildcard host becomes 127.0.0.1) and exits 0 only on SERVING. Over TLS it trusts
/// the cluster CA and presents the process's own certificate, which the CA issued for client use too.
/// </summary>
public static class HealthProbe
{
    public static async Task<int> RunAsync(string? urls, string? caFile, string? certificateFile, string? keyFile, TextWriter output)
    {
        var first = (urls ?? "http://127.0.0.1:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var target = new UriBuilder(first.Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)).Uri;
        using var certificate = target.Scheme == Uri.UriSchemeHttps && File.Exists(certificateFile) && File.Exists(keyFile)
            ? X509Certificate2.CreateFromPemFile(certificateFile!, keyFile)
            : null;
        try
        {
            using var authority = File.Exists(caFile) ? CertificateFiles.LoadCertificate(caFile) : null;
            using var handler = authority is null
                ? new SocketsHttpHandler { SslOptions = { ClientCertificates = certificate is null ? null : [certificate] } }
                : ClusterHandlers.Create(certificate, ClusterHandlers.Server(authority, region: null));
            using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
            var response = await new Grpc.Health.V1.Health.HealthClient(channel)
                .CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync.ConfigureAwait(false);
            var status = response.Status.ToString().ToUpperInvariant();
            await output.WriteLineAsync($"{target}: {status}").ConfigureAwait(false);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 1;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or IOException or System.Security.Cryptography.CryptographicException)
        {
            await output.WriteLineAsync($"{target}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
