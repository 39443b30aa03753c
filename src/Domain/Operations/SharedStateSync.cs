using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>How often anti-entropy looks for replicas that are behind, and the longest it waits between repeats.</summary>
public sealed record SyncSettings(TimeSpan Interval)
{
    public TimeSpan MaxBackoff => Interval * 16 < TimeSpan.FromMinutes(10) ? Interval * 16 : TimeSpan.FromMinutes(10);
}

/// <summary>
/// The primary's side of shared-property sync: after a shared change it tells every replica (the messages are queued in
/// the change's transaction), and records when to repeat itself if a replica does not acknowledge.
/// </summary>
public sealed class SharedStateSync(IReplicationChannel channel, SyncSettings settings, TimeProvider time)
{
    /// <summary>The new shared state for every replica of <paramref name="key"/> (except <paramref name="except"/>).</summary>
    public IReadOnlyList<OutgoingMessage> Broadcast(KmsKey key, string? except = null)
    {
        if (key.MultiRegion is not { } mr || !key.IsPrimary)
        {
            return [];
        }

        var state = key.Shared();
        var messages = new List<OutgoingMessage>();
        foreach (var replica in mr.ReplicaRegions.Where(r => r != except))
        {
            messages.Add(channel.Encode(replica, key.KeyId, new SharedStateMessage(state)) with { Deliver = key.MaterialsOwedTo(replica) });
            Scheduled(key, replica);
        }

        return messages;
    }

    /// <summary>
    /// A replica's report to its primary of where it stands (versions held, its own key state), so the primary can
    /// finish rotations and refuse UpdatePrimaryRegion to a replica that is not Enabled. Empty for other keys.
    /// </summary>
    public IReadOnlyList<OutgoingMessage> Report(KmsKey key, string? to = null)
    {
        if (key.MultiRegion is not { } mr || (key.IsPrimary && to is null))
        {
            return [];
        }

        return [channel.Encode(to ?? mr.PrimaryRegion, key.KeyId, new SyncAckMessage(mr.Epoch, mr.SyncVersion, key.MaterialIds, key.State))];
    }

    /// <summary>Records that <paramref name="replica"/> was just sent the latest state; anti-entropy repeats it if no acknowledgement comes.</summary>
    public void Scheduled(KmsKey key, string replica)
    {
        key.SentTo(replica, time.GetUtcNow(), settings.Interval, settings.MaxBackoff);
    }

    /// <summary>What anti-entropy repeats now for <paramref name="key"/>: creation, latest state or a pending hand-off.</summary>
    public IReadOnlyList<OutgoingMessage> Repeat(KmsKey key)
    {
        var now = time.GetUtcNow();
        var messages = new List<OutgoingMessage>();
        if (key.MultiRegion is not { } mr)
        {
            return messages;
        }

        foreach (var (region, progress) in mr.Progress.ToList())
        {
            if (progress.NextAttempt is not { } due || due > now)
            {
                continue;
            }

            ReplicationMessage? message = key switch
            {
                { IsHandingOff: true } when region == mr.PrimaryRegion => new PromoteMessage(key.HandOffState()),
                { IsPrimary: true } when progress.PendingCreation is { } creation => new CreateReplicaMessage(key.Shared(), creation),
                { IsPrimary: true } when mr.ReplicaRegions.Contains(region) && !key.IsCurrent(progress) => new SharedStateMessage(key.Shared()),
                _ => null,
            };
            if (message is null)
            {
                progress.NothingToRepeat();
                continue;
            }

            var encoded = channel.Encode(region, key.KeyId, message);
            messages.Add(message is MaterialCarrier ? encoded with { Deliver = key.MaterialsOwedTo(region) } : encoded);
            Scheduled(key, region);
        }

        return messages;
    }
}
