using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The BYOK recipe of docs/byok.md, run as written with bash, the real `mrk` and openssl against a real node.</summary>
public sealed partial class ByokRecipeTests(RegionNodeFixture fixture) : IClassFixture<RegionNodeFixture>
{
    [Fact]
    public async Task DocumentedRecipe_RunAsWritten_KeyEnabledWithTheImportedMaterial()
    {
        var document = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "docs", "byok.md"));
        var recipe = RecipeBlock().Match(document);
        Assert.True(recipe.Success, "docs/byok.md has no recipe between its markers");

        using var work = new TempDirectory();
        var bin = Directory.CreateDirectory(work.Sub("bin")).FullName;
        await File.WriteAllTextAsync(Path.Combine(bin, "mrk"), $"#!/bin/sh\nexec dotnet '{RepoPaths.CliDll}' \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "mrk"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(work.Sub("recipe.sh"), recipe.Groups[1].Value);

        var start = new ProcessStartInfo("bash") { WorkingDirectory = work.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("recipe.sh");
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["MRK_ENDPOINT"] = fixture.Node.Endpoint.ToString();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(120));
        Assert.True(process.ExitCode == 0, $"the recipe failed ({process.ExitCode}): {await error}");
        Assert.EndsWith("Enabled", (await output).Trim(), StringComparison.Ordinal);

        // The key holds exactly the material the recipe made: the material ID is HMAC-SHA-256 keyed by it.
        var material = await File.ReadAllBytesAsync(work.Sub("PlaintextKeyMaterial.bin"));
        var keys = await fixture.Node.Kms.ListKeysAsync(new V1.ListKeysRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var described = await Task.WhenAll(keys.Keys.Select(async k => (await fixture.Node.Kms.DescribeKeyAsync(
            new V1.DescribeKeyRequest { KeyId = k.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata));
        var imported = Assert.Single(described, m => m.Origin == V1.OriginType.External);
        var expectedId = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(material,
            System.Text.Encoding.ASCII.GetBytes("mrk/v1/key-material-id\0" + imported.KeyId)));
        Assert.Equal(expectedId, imported.CurrentKeyMaterialId);
        Assert.Equal(V1.ExpirationModelType.KeyMaterialExpires, imported.ExpirationModel);
        Assert.InRange(imported.ValidTo.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddDays(89), DateTimeOffset.UtcNow.AddDays(91));
        Assert.Null(StoredMaterial.FindIn(fixture.Node.DataDirectory, material));
    }

    [GeneratedRegex("<!-- byok-recipe:start -->\\s*```bash\\n(.*?)```\\s*<!-- byok-recipe:end -->", RegexOptions.Singleline)]
    private static partial Regex RecipeBlock();
}
