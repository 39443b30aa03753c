using System.Diagnostics;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>The openssl command line as an independent verifier (for Ed25519, which the .NET runtime lacks).</summary>
public static class OpenSsl
{
    public static async Task<bool> VerifyEd25519Async(byte[] subjectPublicKeyInfo, byte[] message, byte[] signature)
    {
        using var folder = new TempDirectory();
        var pem = "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(subjectPublicKeyInfo, Base64FormattingOptions.InsertLineBreaks)
                  + "\n-----END PUBLIC KEY-----\n";
        await File.WriteAllTextAsync(folder.Sub("pub.pem"), pem);
        await File.WriteAllBytesAsync(folder.Sub("msg"), message);
        await File.WriteAllBytesAsync(folder.Sub("sig"), signature);
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "pkeyutl", "-verify", "-pubin", "-inkey", folder.Sub("pub.pem"), "-rawin", "-in", folder.Sub("msg"), "-sigfile", folder.Sub("sig") })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        return process.ExitCode == 0 && (await output).Contains("Signature Verified Successfully", StringComparison.Ordinal);
    }
}
