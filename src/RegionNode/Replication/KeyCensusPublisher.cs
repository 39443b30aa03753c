using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Tells the ControlPlane's console which multi-Region keys this Region holds and how (state, set, shared-state
/// version, current material ID): on connecting, then whenever that changes, read at most every
/// <see cref="Interval"/>. Key metadata the relay already carries in its messages; nothing else. The keys are read
/// again only after a key was written (or once every <see cref="Refresh"/>): a quiet Region reads nothing.
/// </summary>
public sealed class KeyCensusPublisher(StoreCensus census, TimeProvider time)
{
    /// <summary>Keys one census carries: well within a relay frame, and more than a console shows at once.</summary>
    public const int MaxKeys = 2000;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    /// <summary>Writes a census whenever it differs from the one sent last on this stream.</summary>
    public async Task RunAsync(Func<RegionFrame, Task> write, CancellationToken cancellationToken)
    {
        KeyCensus? sent = null;
        long? readAtWrites = null;
        var readAt = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Sampled before the read, so a write that ends during it makes the next round read again.
                var writes = census.KeyWrites;
                if (writes != readAtWrites || time.GetElapsedTime(readAt) >= Refresh)
                {
                    var current = await TakeAsync(cancellationToken).ConfigureAwait(false);
                    (readAtWrites, readAt) = (writes, time.GetTimestamp());
                    if (!current.Equals(sent))
                    {
                        await write(new RegionFrame { Census = current }).ConfigureAwait(false);
                        sent = current;
                    }
                }
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or System.Text.Json.JsonException)
            {
                // The console's view waits for the next round; replication never waits on it.
            }

            await Task.Delay(Interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<KeyCensus> TakeAsync(CancellationToken cancellationToken)
    {
        var (keys, truncated) = await census.MultiRegionKeysAsync(MaxKeys, cancellationToken).ConfigureAwait(false);
        var result = new KeyCensus { Truncated = truncated };
        foreach (var key in keys)
        {
            var summary = new KeySummary
            {
                KeyId = key.KeyId, KeyState = key.State, PrimaryRegion = key.PrimaryRegion, Epoch = key.Epoch, SyncVersion = key.SyncVersion,
                CurrentMaterialId = key.CurrentMaterialId,
            };
            summary.ReplicaRegions.AddRange(key.ReplicaRegions);
            result.Keys.Add(summary);
        }

        return result;
    }
}
