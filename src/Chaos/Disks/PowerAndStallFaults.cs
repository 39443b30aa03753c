using System.Diagnostics;
using Grpc.Core;
using Grpc.Mrk.V1;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Chaos.Disks;

/// <summary>
/// Faults of a disk that is slow or loses power, made by <see cref="RegionFaultFs"/> below a Region's data directory:
/// fsync stalls of 1-4 s while the workload runs (calls end by their deadline, with an answer or DEADLINE_EXCEEDED,
/// and the Region is quick again right after), and a power cut: the Region killed, every write it had not fsynced
/// dropped (torn, half the time: part of them reaches the disk, in sectors), the Region started again on what is left
/// (its store must open and pass SQLite's integrity check; every change acknowledged before the cut is checked after
/// healing like any other).
/// </summary>
public sealed class PowerAndStallFaults(ChaosCluster cluster, RegionFaultFs faultFs, History history, RunFigures figures)
{
    public static readonly string[] Kinds = ["slow-disk", "power-cut"];

    /// <summary>A call's deadline while fsync stalls, and how much later than it the answer may come (the network, the client).</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Late = TimeSpan.FromSeconds(1);

    public async Task InjectAsync(string kind, string region, TimeSpan duration, Random random)
    {
        if (kind == "slow-disk")
        {
            await SlowAsync(region, duration, random).ConfigureAwait(false);
        }
        else
        {
            await CutAsync(region, random).ConfigureAwait(false);
        }
    }

    private async Task SlowAsync(string region, TimeSpan duration, Random random)
    {
        var stall = TimeSpan.FromMilliseconds(random.Next(1000, 4001));
        history.Write("disk", new Dictionary<string, object?> { ["region"] = region, ["fsyncStallMs"] = (int)stall.TotalMilliseconds });
        await faultFs.SetFsyncDelayAsync(region, stall).ConfigureAwait(false);
        try
        {
            // Changes need an fsync each: with the stall above the deadline they must end at the deadline, not after.
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                StatusCode status;
                try
                {
                    await cluster.Client(region).Kms.CreateKeyAsync(new CreateKeyRequest { Description = "slow disk probe" },
                        deadline: DateTime.UtcNow + Deadline).ResponseAsync.ConfigureAwait(false);
                    status = StatusCode.OK;
                }
                catch (RpcException e)
                {
                    status = e.StatusCode;
                }

                figures.Check("disk: a call on a disk whose fsync stalls ends by its deadline, answered or DEADLINE_EXCEEDED",
                    clock.Elapsed <= Deadline + Late && status is not (StatusCode.Internal or StatusCode.Unknown) ? null
                        : $"{region}: CreateKey with a {Deadline.TotalSeconds} s deadline ended after {clock.Elapsed.TotalSeconds:0.0} s with {status} (fsync {stall.TotalSeconds:0.0} s)");
            }

            await Task.Delay(duration).ConfigureAwait(false);
        }
        finally
        {
            await faultFs.SetFsyncDelayAsync(region, TimeSpan.Zero).ConfigureAwait(false);
        }

        // What queued behind the stalls drains: a change a moment later is answered well within an ordinary deadline.
        var after = Stopwatch.StartNew();
        string? problem = null;
        try
        {
            await cluster.Client(region).Kms.CreateKeyAsync(new CreateKeyRequest { Description = "slow disk probe" },
                deadline: DateTime.UtcNow + TimeSpan.FromSeconds(15)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            problem = $"{region}: {e.StatusCode}: {e.Status.Detail}";
        }

        figures.Check("disk: once fsync is quick again the Region is too",
            problem ?? (after.Elapsed < TimeSpan.FromSeconds(15) ? null : $"{region}: {after.Elapsed.TotalSeconds:0.0} s"));
    }

    private async Task CutAsync(string region, Random random)
    {
        var torn = random.Next(2) == 0;
        var seed = random.Next();
        var node = cluster.Region(region);
        await node.KillAsync().ConfigureAwait(false);
        await faultFs.CutPowerAsync(region, torn, seed).ConfigureAwait(false);
        history.Write("disk", new Dictionary<string, object?> { ["region"] = region, ["powerCut"] = true, ["torn"] = torn, ["seed"] = seed });
        node.Start();
        string? problem = null;
        try
        {
            await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            problem = e.Message;
        }

        figures.Check("disk: a Region starts again after a power cut on what reached its disk", problem is null ? null : $"{region}: {problem}");
        figures.Check("disk: a store that lost power passes SQLite's integrity check", problem is null ? await IntegrityAsync(region).ConfigureAwait(false) : null);
    }

    /// <summary>SQLite's own check of every page and index of the Region's store, read beside the running node; null when it says ok.</summary>
    private async Task<string?> IntegrityAsync(string region)
    {
        var store = Path.Combine(cluster.DataDirectory(region), "region.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var answer = (string?)await command.ExecuteScalarAsync().ConfigureAwait(false);
        return answer == "ok" ? null : $"{region}: {answer}";
    }
}
