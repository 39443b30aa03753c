using System.Diagnostics;
using Xunit;

namespace Grpc.Mrk.TestSupport;

/// <summary>
/// The openssl command line as an independent implementation: it verifies Ed25519 signatures (the .NET runtime lacks
/// Ed25519), makes key material, and wraps material for import through scripts/wrap-key-material.sh, the recipe of
/// docs/byok.md.
/// </summary>
public static class OpenSsl
{
    /// <summary>Wraps <paramref name="material"/> for ImportKeyMaterial under <paramref name="publicKeyDer"/> with <paramref name="algorithm"/>.</summary>
    public static async Task<byte[]> WrapForImportAsync(byte[] publicKeyDer, string algorithm, byte[] material)
    {
        using var folder = new TempDirectory();
        await File.WriteAllBytesAsync(folder.Sub("public.der"), publicKeyDer);
        await File.WriteAllBytesAsync(folder.Sub("material"), material);
        await RunAsync("bash", Path.Combine(RepoPaths.Root, "scripts", "wrap-key-material.sh"), folder.Sub("public.der"), algorithm,
            folder.Sub("material"), folder.Sub("wrapped"));
        return await File.ReadAllBytesAsync(folder.Sub("wrapped"));
    }

    /// <summary>A new private key as PKCS#8 DER made by openssl, for <c>genpkey</c> options such as <c>-algorithm EC -pkeyopt ec_paramgen_curve:P-256</c>.</summary>
    public static async Task<byte[]> PrivateKeyAsync(params string[] genpkeyOptions)
    {
        using var folder = new TempDirectory();
        await RunAsync("openssl", ["genpkey", .. genpkeyOptions, "-out", folder.Sub("key.pem")]);
        await RunAsync("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", folder.Sub("key.pem"), "-outform", "DER", "-out", folder.Sub("key.der"));
        return await File.ReadAllBytesAsync(folder.Sub("key.der"));
    }

    /// <summary>The SubjectPublicKeyInfo (DER) openssl derives from a PKCS#8 DER private key; fails when openssl cannot read the key.</summary>
    public static async Task<byte[]> PublicKeyOfAsync(byte[] pkcs8)
    {
        using var folder = new TempDirectory();
        await File.WriteAllBytesAsync(folder.Sub("key.der"), pkcs8);
        await RunAsync("openssl", "pkey", "-inform", "DER", "-in", folder.Sub("key.der"), "-pubout", "-outform", "DER", "-out", folder.Sub("pub.der"));
        return await File.ReadAllBytesAsync(folder.Sub("pub.der"));
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {await error}");
    }

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
