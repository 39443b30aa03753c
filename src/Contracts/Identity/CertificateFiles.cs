using System.Security.Cryptography.X509Certificates;

namespace Grpc.Mrk.Identity;

/// <summary>Certificates read from PEM files.</summary>
public static class CertificateFiles
{
    /// <summary>The certificate in a PEM file, without a private key even when the file holds one.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath) =>
        X509CertificateLoader.LoadCertificate(X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath)).RawData);
}
