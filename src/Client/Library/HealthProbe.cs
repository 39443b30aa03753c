using System.Security.Cryptography.X509Certificates;

namespace Grpc.Mrk.Client;

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
            using var client = new MrkClient(target, new MrkClientOptions
            {
                Timeout = TimeSpan.FromSeconds(5),
                MaxRetries = 0,
                CertificateAuthorityFile = File.Exists(caFile) ? caFile : null,
                ClientCertificate = certificate,
            });
            var status = await client.CheckHealthAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"{target}: {status}").ConfigureAwait(false);
            return status == "SERVING" ? 0 : 1;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or IOException or System.Security.Cryptography.CryptographicException)
        {
            await output.WriteLineAsync($"{target}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
