using Grpc.Core;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Backups taken from a running Region, restored into an empty data directory, and a lost Region rebuilt from its
/// peers, on real processes: after the Region rejoins, everything the other Regions acknowledged is there.
/// </summary>
public sealed class BackupRestoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Converges = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _backups = new();

    public void Dispose() => _backups.Dispose();

    [Fact]
    public async Task RestoredRegion_Rejoins_AndHoldsEverythingAcknowledgedElsewhere()
    {
        await using var cluster = await StartAsync(output);
        // Before the backup: a set led from East, one led from West, a key of West's own.
        var ledByEast = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, ledByEast.KeyId, West, Sydney);
        var ledByWest = await cluster[West].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(West, ledByWest.KeyId, East);
        var westOnly = await cluster[West].CreateAsync();
        var beforeBackup = await cluster.EncryptAsync(East, ledByEast.KeyId, "before the backup");

        var backup = Path.Combine(_backups.Path, "west.db");
        await using (var file = File.Create(backup))
        {
            var header = await cluster[West].Client.BackupRegionAsync(file, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token).WithTimeout();
            Assert.Equal(West, header.Region);
            Assert.True(header.Keys >= 3, $"{header.Keys} keys in the backup");
        }

        // The copy holds every version only wrapped under West's domain key, which is not in it.
        var westMaterial = StoredMaterial.Unwrap(cluster.DataDirectory(West), West);
        Assert.NotEmpty(westMaterial);
        Assert.All(westMaterial, m => Assert.Null(StoredMaterial.FindIn(_backups.Path, m.Material)));
        Assert.Null(StoredMaterial.FindIn(_backups.Path, await File.ReadAllBytesAsync(Path.Combine(cluster.DataDirectory(West), "domain.key"))));

        // After the backup, everywhere: a rotation led from East, a set that gains West, a rotation and a new replica
        // of the set West leads (both made by West itself), and a key of West's own that the restore cannot bring back.
        await cluster.RotateEverywhereAsync(East, ledByEast.KeyId, Regions, Converges);
        var gainedWest = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, gainedWest.KeyId, West);
        await cluster.RotateEverywhereAsync(West, ledByWest.KeyId, [West, East], Converges);
        await cluster.ReplicateAsync(West, ledByWest.KeyId, Sydney);
        var lostWithTheStore = await cluster[West].CreateAsync();
        var afterRotation = await cluster.EncryptAsync(Sydney, ledByEast.KeyId, "after East rotated");
        var underWestRotation = await cluster.EncryptAsync(East, ledByWest.KeyId, "after West rotated");
        var underGained = await cluster.EncryptAsync(East, gainedWest.KeyId, "replicated to West after the backup");
        var expected = (await cluster.DescribeAsync(East, ledByWest.KeyId)).CurrentKeyMaterialId;

        // West's store is lost; its domain key is kept apart, as operations.md says.
        var log = await LoseStoreAndRestoreAsync(cluster, West, backup);
        Assert.Contains("audit log verified", log, StringComparison.Ordinal);

        // And its clock is set back three minutes, to before the cluster started: a sequence seeded from the clock would
        // number what West sends now below what its peers applied from it, and they would refuse it all as replays.
        // It asks them where they stand instead (SequenceQuery), and numbers on from their answers.
        var clock = new MovedClock(Directory.CreateDirectory(_backups.Sub("clock")).FullName, TimeSpan.FromMinutes(-3));
        await cluster.StartRegionAsync(West, clock.Environment);

        var east = await cluster.UntilAsync(West, ledByEast.KeyId, m => m.CurrentKeyMaterialId == cluster.DescribeAsync(East, ledByEast.KeyId).Result.CurrentKeyMaterialId, Converges);
        Assert.Equal(KeyState.Enabled, east.KeyState);
        await cluster.UntilAsync(West, gainedWest.KeyId, m => m.KeyState == KeyState.Enabled, Converges);
        var led = await cluster.UntilAsync(West, ledByWest.KeyId,
            m => m.CurrentKeyMaterialId == expected && m.MultiRegionConfiguration.ReplicaKeys.Count == 2, Converges);
        Assert.Equal(MultiRegionKeyType.Primary, led.MultiRegionConfiguration.MultiRegionKeyType);

        Assert.Equal("before the backup", await cluster.DecryptTextAsync(West, beforeBackup));
        Assert.Equal("after East rotated", await cluster.DecryptTextAsync(West, afterRotation));
        Assert.Equal("after West rotated", await cluster.DecryptTextAsync(West, underWestRotation));
        Assert.Equal("replicated to West after the backup", await cluster.DecryptTextAsync(West, underGained));
        await cluster.DescribeAsync(West, westOnly.KeyId);
        var lost = await Assert.ThrowsAsync<RpcException>(() => cluster.DescribeAsync(West, lostWithTheStore.KeyId));
        Assert.Equal(StatusCode.NotFound, lost.StatusCode);

        // West leads its set again: a rotation it makes now reaches both replicas.
        await cluster.RotateEverywhereAsync(West, ledByWest.KeyId, Regions, Converges);

        var audit = new AuditLog.AuditLogClient(cluster[West].Invoker);
        var verified = await audit.VerifyAuditLogAsync(new VerifyAuditLogRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.True(verified.Valid, verified.Problem);
        var restored = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { EventName = "RestoreRegion" }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Single(restored.Records);
        var rejoined = await new AuditLog.AuditLogClient(cluster[East].Invoker)
            .ListAuditRecordsAsync(new ListAuditRecordsRequest { EventName = "RejoinRegion" }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Contains(rejoined.Records, r => r.Json.Contains(West, StringComparison.Ordinal));
    }

    /// <summary>
    /// A set whose primary moved to West after West's backup, while the backup held no key of it, has no primary after
    /// the restore: West cannot lead a set it does not hold, and East follows West. The way out that operations.md gives:
    /// stop West past the promotion grace, promote East's replica by break-glass, start West again; West then holds the
    /// set again as a replica, with one primary, and decrypts what was made before.
    /// </summary>
    [Fact]
    public async Task RestoreThatLeftASetWithoutAPrimary_IsLedAgainByBreakGlass()
    {
        await using var cluster = await StartAsync(output);
        var backup = Path.Combine(_backups.Path, "west.db");
        await using (var file = File.Create(backup))
        {
            await cluster[West].Client.BackupRegionAsync(file, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token).WithTimeout();
        }

        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West);
        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.UntilAsync(East, key.KeyId, m => m.MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Replica
                                                      && m.MultiRegionConfiguration.PrimaryKey.Region == West, Converges);
        await cluster.QuiescentAsync(East, West);
        var before = await cluster.EncryptAsync(East, key.KeyId, "made before West's restore");

        await LoseStoreAndRestoreAsync(cluster, West, backup);
        await cluster.StartRegionAsync(West);
        await cluster.QuiescentAsync(East, West);
        var missing = await Assert.ThrowsAsync<RpcException>(() => cluster.DescribeAsync(West, key.KeyId));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(West, (await cluster.DescribeAsync(East, key.KeyId)).MultiRegionConfiguration.PrimaryKey.Region);

        // The cluster file names every Region's address, so it is written while West still runs; the order goes to East.
        var clusterFile = cluster.WriteClusterFile();
        await cluster.KillRegionAsync(West);
        var promote = new[]
        {
            "--cluster-file", clusterFile, "--region", East, "cluster", "promote-replica", "--key-id", key.KeyId,
            "--reason", "West's restore left the set without a primary",
        };
        await Eventually.TrueAsync(async () => (await MrkCli.RunAsync(_backups.Path, promote)).ExitCode == 0, TimeSpan.FromSeconds(30),
            "the promotion, once West was unreachable long enough");
        await cluster.StartRegionAsync(West);

        var replica = await cluster.UntilAsync(West, key.KeyId, m => m.KeyState == KeyState.Enabled && m.MultiRegionConfiguration.PrimaryKey.Region == East,
            Converges);
        Assert.Equal(MultiRegionKeyType.Replica, replica.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(MultiRegionKeyType.Primary, (await cluster.DescribeAsync(East, key.KeyId)).MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal("made before West's restore", await cluster.DecryptTextAsync(West, before));
    }

    /// <summary>
    /// Sydney's store is lost with no backup and its node starts again empty, its clock three minutes back (before the
    /// cluster started): numbered from that clock, everything it sends would be below what its peers applied from it
    /// and refused as a replay. Prepared by `rebuild`, its first start asks the peers where its sequences stand, so even
    /// what it sends before the operator's rebuild-region arrives; started without, the rebuild-region call asks.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LostRegion_WithNoBackup_IsRebuiltFromItsPeers_ItsClockSetBack(bool prepared)
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var ciphertext = await cluster.EncryptAsync(Sydney, key.KeyId, "made before Sydney was lost");

        await cluster.KillRegionAsync(Sydney);
        var data = cluster.DataDirectory(Sydney);
        Directory.Delete(data, recursive: true);
        if (prepared)
        {
            var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, Sydney, ["rebuild"]);
            Assert.True(exitCode == 0, log);
            Assert.Contains("mrk cluster rebuild-region", log, StringComparison.Ordinal);
            var (again, refusal) = await RegionNodeProcess.RunToExitAsync(data, Sydney, ["rebuild"]);
            Assert.Equal(2, again);
            Assert.Contains("is not empty", refusal, StringComparison.Ordinal);
        }

        var clock = new MovedClock(Directory.CreateDirectory(_backups.Sub("clock")).FullName, TimeSpan.FromMinutes(-3));
        await cluster.StartRegionAsync(Sydney, clock.Environment);
        var gone = await Assert.ThrowsAsync<RpcException>(() => cluster.DescribeAsync(Sydney, key.KeyId));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        if (prepared)
        {
            // Before the rebuild: a set Sydney leads reaches West, so what Sydney sends is not refused.
            var early = await cluster[Sydney].CreateAsync(multiRegion: true);
            await cluster.ReplicateAsync(Sydney, early.KeyId, West);
        }

        var rebuild = await new Admin.V1.RegionAdmin.RegionAdminClient(cluster[Sydney].Invoker)
            .RebuildRegionAsync(new Admin.V1.RebuildRegionRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal([West, East], rebuild.Regions.Order(StringComparer.Ordinal).ToArray());

        var rebuilt = await cluster.UntilAsync(Sydney, key.KeyId, m => m.KeyState == KeyState.Enabled, Converges);
        Assert.Equal(key.KeyId, rebuilt.KeyId);
        Assert.Equal(MultiRegionKeyType.Replica, rebuilt.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal("made before Sydney was lost", await cluster.DecryptTextAsync(Sydney, ciphertext));

        var led = await cluster[Sydney].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(Sydney, led.KeyId, East);
        Assert.Equal("led by the rebuilt Region", await cluster.DecryptTextAsync(East, await cluster.EncryptAsync(Sydney, led.KeyId, "led by the rebuilt Region")));
    }

    [Fact]
    public async Task Backup_IsTakenWhileWritersGoOn_AndRestore_RefusesWhatItCannotVerify()
    {
        var data = _backups.Sub("node");
        var backup = _backups.Sub("us-east-1.db");
        string keyId;
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            keyId = (await node.CreateAsync()).KeyId;
            // Writers keep going while the copy is taken: it holds each of their changes whole or not at all.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var writer = Task.Run(async () =>
            {
                for (var i = 0; i < 200 && !stop.IsCancellationRequested; i++)
                {
                    await node.CreateAsync(description: $"written during the backup {i}");
                }
            });
            await using (var file = File.Create(backup))
            {
                var header = await node.Client.BackupRegionAsync(file, stop.Token).WithTimeout(TimeSpan.FromSeconds(60));
                Assert.Equal("us-east-1", header.Region);
                Assert.True(header.Size > 0 && header.AuditSequence > 0);
            }

            await writer.WithTimeout(TimeSpan.FromSeconds(60));
            var audit = new AuditLog.AuditLogClient(node.Invoker);
            var records = await audit.ListAuditRecordsAsync(new ListAuditRecordsRequest { EventName = "BackupRegion" }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            Assert.Single(records.Records);
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "backups")));
        var domainKey = Path.Combine(data, "domain.key");

        // Refused, and the data directory left as it was: not empty, another Region's, no or another domain key, a damaged
        // file, an audit log changed after the fact.
        await RefusedAsync(data, "us-east-1", backup, "is not empty");
        await RefusedAsync(Fresh("west", domainKey), "eu-west-1", backup, "is of Region us-east-1");
        await RefusedAsync(Fresh("no-key", null), "us-east-1", backup, "domain key");
        var otherKey = Fresh("other-key", null);
        await File.WriteAllBytesAsync(Path.Combine(otherKey, "domain.key"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(Path.Combine(otherKey, "domain.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await RefusedAsync(otherKey, "us-east-1", backup, "does not match");
        var damaged = _backups.Sub("damaged.db");
        var bytes = await File.ReadAllBytesAsync(backup);
        Array.Fill(bytes, (byte)0x5A, bytes.Length / 3, bytes.Length / 3);
        await File.WriteAllBytesAsync(damaged, bytes);
        await RefusedAsync(Fresh("damaged", domainKey), "us-east-1", damaged, "The backup");
        var tampered = _backups.Sub("tampered.db");
        File.Copy(backup, tampered);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={tampered};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var edit = connection.CreateCommand();
            edit.CommandText = "UPDATE audit_records SET json = replace(json, 'CreateKey', 'DescribeKey') WHERE sequence = (SELECT min(sequence) FROM audit_records WHERE json LIKE '%CreateKey%');";
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        await RefusedAsync(Fresh("tampered", domainKey), "us-east-1", tampered, "audit log does not verify");

        var restored = Fresh("restored", domainKey);
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(restored, "us-east-1", ["restore", "--from", backup]);
        Assert.True(exitCode == 0, log);
        await using var again = await RegionNodeProcess.StartAsync(restored, output);
        Assert.Equal(keyId, (await again.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata.KeyId);
        var verified = await new AuditLog.AuditLogClient(again.Invoker).VerifyAuditLogAsync(new VerifyAuditLogRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.True(verified.Valid, verified.Problem);
    }

    [Fact]
    public async Task Cli_RegionBackup_WritesAnOwnerOnlyCopy_AndNeverOverwritesOne()
    {
        await using var node = await RegionNodeProcess.StartAsync(_backups.Sub("node"), output);
        await node.CreateAsync();
        var file = _backups.Sub("cli-backup.db");
        var (exitCode, json, error) = await MrkCli.RunAsync(node, _backups.Path, "region", "backup", "--out", file);
        Assert.True(exitCode == 0, error);
        using (var answer = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.Equal("us-east-1", answer.RootElement.GetProperty("Region").GetString());
            Assert.Equal(1, answer.RootElement.GetProperty("Keys").GetInt64());
            Assert.Equal(new FileInfo(file).Length, answer.RootElement.GetProperty("Bytes").GetInt64());
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var before = await File.ReadAllBytesAsync(file);
        var again = await MrkCli.RunAsync(node, _backups.Path, "region", "backup", "--out", file);
        Assert.Equal(252, again.ExitCode);
        Assert.Contains("exists", again.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(file));
        Assert.False(File.Exists(file + ".partial"));
    }

    /// <summary>An empty data directory, holding a copy of <paramref name="domainKey"/> when given.</summary>
    private string Fresh(string name, string? domainKey)
    {
        var folder = _backups.Sub(name);
        Directory.CreateDirectory(folder);
        if (domainKey is not null)
        {
            File.Copy(domainKey, Path.Combine(folder, "domain.key"));
        }

        return folder;
    }

    private async Task RefusedAsync(string data, string region, string backup, string because)
    {
        var before = Directory.EnumerateFileSystemEntries(data).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, region, ["restore", "--from", backup]);
        output.WriteLine(log);
        Assert.Equal(2, exitCode);
        Assert.Contains(because, log, StringComparison.Ordinal);
        var after = Directory.EnumerateFileSystemEntries(data).Select(Path.GetFileName).Where(n => n != "node.lock").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(before.Where(n => n != "node.lock"), after);
    }

    /// <summary>Kills <paramref name="region"/>, loses its store (its domain key is kept apart, as operations.md says) and restores <paramref name="backup"/>.</summary>
    private async Task<string> LoseStoreAndRestoreAsync(ThreeRegionCluster cluster, string region, string backup)
    {
        await cluster.KillRegionAsync(region);
        var data = cluster.DataDirectory(region);
        var domainKey = await File.ReadAllBytesAsync(Path.Combine(data, "domain.key"));
        Directory.Delete(data, recursive: true);
        Directory.CreateDirectory(data);
        await File.WriteAllBytesAsync(Path.Combine(data, "domain.key"), domainKey);
        File.SetUnixFileMode(Path.Combine(data, "domain.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, region, ["restore", "--from", backup]);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        return log;
    }
}
