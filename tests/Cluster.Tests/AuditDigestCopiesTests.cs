using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// A Region's audit digests are kept apart from it, on the ControlPlane and in an exported file: someone who can edit
/// a stopped Region's store removes records together with their digests, and the Region's own check finds nothing, but
/// `mrk audit verify` against the copies finds the cut. A crash's unsealed tail is sealed when the Region starts.
/// </summary>
public sealed class AuditDigestCopiesTests(ITestOutputHelper output)
{
    /// <summary>
    /// "cut": records from the third on and every digest removed. "rewritten": the third record edited and the chain
    /// recomputed after it, every digest removed. Either way the Region's own check passes, and the copies find it.
    /// </summary>
    [Theory]
    [InlineData("cut")]
    [InlineData("rewritten")]
    public async Task LogChangedWithItsDigests_FoundAgainstTheControlPlanesCopiesAndAnExportedFile(string change)
    {
        await using var cluster = await StartAsync(output);
        var file = cluster.WriteClusterFile();
        var work = cluster.DataDirectory("cli");
        Directory.CreateDirectory(work);
        for (var i = 0; i < 5; i++)
        {
            var key = await cluster[East].CreateAsync();
            await cluster.EncryptAsync(East, key.KeyId, $"record {i}");
        }

        // Killed, so its tail is not sealed at shutdown: it is sealed when it starts again, and the seal is published.
        var last = await LastSequenceAsync(cluster);
        await cluster.KillRegionAsync(East);
        await cluster.StartRegionAsync(East);
        await Eventually.TrueAsync(async () => (await cluster.ControlPlane!.AuditDigestsAsync(cluster.Certificates, East)).Digests.Any(d => d.Sequence >= last),
            TimeSpan.FromSeconds(30));
        file = cluster.WriteClusterFile();
        var exported = Path.Combine(work, "digests.json");
        await File.WriteAllTextAsync(exported, await MrkAsync(work, file, "--region", East, "audit", "list-audit-digests"));
        Assert.Equal("true", await MrkAsync(work, file, "--region", East, "audit", "verify", "--against-controlplane", "--digests-file", exported,
            "--query", "Valid", "--output", "text"));

        // Stopped, its log is changed in its store, and every digest there removed.
        await cluster.KillRegionAsync(East);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(cluster.DataDirectory(East), "region.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            if (change == "cut")
            {
                await ExecuteAsync(connection, "DELETE FROM audit_records WHERE sequence >= 3;");
            }
            else
            {
                await RewriteFromAsync(connection, 3);
            }

            await ExecuteAsync(connection, "DELETE FROM audit_digests;");
        }

        await cluster.StartRegionAsync(East);
        file = cluster.WriteClusterFile();
        var own = await MrkAsync(work, file, "--region", East, "audit", "verify");
        Assert.True(JsonDocument.Parse(own).RootElement.TryGetProperty("Valid", out var ownValid) && ownValid.GetBoolean(), own);
        foreach (var source in new[] { new[] { "--against-controlplane" }, ["--digests-file", exported] })
        {
            var json = await MrkAsync(work, file, ["--region", East, "audit", "verify", .. source]);
            using var result = JsonDocument.Parse(json);
            // The output leaves out fields at their default, as the AWS CLI does: no Valid means false.
            Assert.False(result.RootElement.TryGetProperty("Valid", out var valid) && valid.GetBoolean(), json);
            Assert.Contains("held elsewhere", result.RootElement.GetProperty("Problem").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The ControlPlane keeps the first audit key a Region published: a compromised Region host presenting another key
    /// (to replace the history kept of it) is refused, and the copies stay as they were.
    /// </summary>
    [Fact]
    public async Task AnotherAuditKeyForARegion_RefusedByTheControlPlane()
    {
        await using var cluster = await StartAsync(output);
        await cluster[East].CreateAsync();
        await cluster.KillRegionAsync(East);
        await cluster.StartRegionAsync(East);
        V1.ListAuditDigestsResponse kept = new();
        await Eventually.TrueAsync(async () => (kept = await cluster.ControlPlane!.AuditDigestsAsync(cluster.Certificates, East)).Digests.Count > 0,
            TimeSpan.FromSeconds(30));

        using var forgedKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var hash = new byte[32];
        var at = DateTimeOffset.UtcNow;
        var forged = new Internal.V1.PublishedAuditDigests { PublicKey = ByteString.CopyFrom(forgedKey.ExportSubjectPublicKeyInfo()) };
        forged.Digests.Add(new V1.AuditDigest
        {
            Sequence = 1, Hash = Convert.ToHexStringLower(hash), CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at),
            Signature = ByteString.CopyFrom(forgedKey.SignData(AuditDigestSignature.SignedBytes(East, 1, hash, at),
                System.Security.Cryptography.HashAlgorithmName.SHA384, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence)),
        });
        using var adversary = new RelayAdversary(cluster.ControlPlane!.Endpoint, cluster.Certificates, East);
        Assert.False(await adversary.PublishDigestsAsync(forged, TimeSpan.FromSeconds(2)));

        var after = await cluster.ControlPlane!.AuditDigestsAsync(cluster.Certificates, East);
        Assert.Equal(kept.PublicKey, after.PublicKey);
        Assert.Equal(kept.Digests[0], after.Digests[0]);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Edits the record at <paramref name="from"/> and recomputes the hash chain from there, as a careful forger would.</summary>
    private static async Task RewriteFromAsync(SqliteConnection connection, long from)
    {
        var rows = new List<(long Sequence, string Json)>();
        byte[] previous;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT hash FROM audit_records WHERE sequence = $s;";
            read.Parameters.AddWithValue("$s", from - 1);
            previous = (byte[])(await read.ExecuteScalarAsync())!;
            read.CommandText = "SELECT sequence, json FROM audit_records WHERE sequence >= $s ORDER BY sequence;";
            read.Parameters["$s"].Value = from;
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        foreach (var (sequence, json) in rows)
        {
            var written = sequence == from ? json.Replace("\"readOnly\":", "\"rewritten\":true,\"readOnly\":", StringComparison.Ordinal) : json;
            previous = System.Security.Cryptography.SHA256.HashData([.. previous, .. System.Text.Encoding.UTF8.GetBytes(written)]);
            await ExecuteAsync(connection, "UPDATE audit_records SET json = $j, hash = $h WHERE sequence = $s;", ("$j", written), ("$h", previous), ("$s", sequence));
        }
    }

    private static async Task<long> LastSequenceAsync(ThreeRegionCluster cluster)
    {
        var last = 0L;
        await Eventually.TrueAsync(async () =>
        {
            var page = (ListAuditRecordsResponse)await cluster[East].Client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
            last = page.Records.Count == 0 ? 0 : page.Records[^1].Sequence;
            return page.Records.Any(r => r.Json.Contains("\"Encrypt\"", StringComparison.Ordinal));
        });
        return last;
    }

    private static async Task<string> MrkAsync(string work, string clusterFile, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await MrkCli.RunAsync(work, ["--cluster-file", clusterFile, .. arguments]);
        Assert.True(exitCode == 0, $"mrk {string.Join(' ', arguments)} failed ({exitCode}): {stderr}");
        return stdout.Trim();
    }
}
