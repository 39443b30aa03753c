using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>How often anti-entropy looks for replicas that are behind, and the longest it waits between repeats.</summary>
public sealed record SyncSettings(TimeSpan Interval)
{
    public TimeSpan MaxBackoff => Interval * 16 < TimeSpan.FromMinutes(10) ? Interval * 16 : TimeSpan.FromMinutes(10);

    /// <summary><paramref name="wait"/>, but at least one interval and at most the longest back-off.</summary>
    public TimeSpan Bounded(TimeSpan wait) => wait < Interval ? Interval : wait < MaxBackoff ? wait : MaxBackoff;
}

/// <summary>
/// The primary's side of shared-property sync: after a shared change it tells every replica (the messages are queued in
/// the change's transaction), and records when to repeat itself if a replica does not acknowledge. The first repeat
/// waits at least four times as long as that replica's acknowledgements have been taking (a moving average, kept in
/// memory): under a burst of thousands of replications an acknowledgement takes seconds, and repeating every message
/// after the sync interval only doubled the work of both Regions while the originals were still on their way. A repeat
/// that comes due is put off while the replica is still answering what was sent before it (it answered within the sync
/// interval or twice its usual answer time, whichever is longer, and nothing sent since this message yet): messages to
/// a Region arrive in order, so it has not reached this one. Once it answers something sent later, or stops answering,
/// the message is repeated. Only answers to first sends count for this: an answer that arrives after a repeat may be
/// the answer to the original, still on its way.
/// </summary>
public sealed class SharedStateSync(IReplicationChannel channel, SyncSettings settings, TimeProvider time)
{
    /// <summary>Messages awaiting an acknowledgement whose send time is remembered, to learn how long answers take (estimates only).</summary>
    public const int MaxTracked = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string KeyId, string Region), (DateTimeOffset At, bool Repeat)> _sent = [];
    private readonly Dictionary<string, TimeSpan> _answerTime = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset SentUpTo, DateTimeOffset At)> _answered = new(StringComparer.Ordinal);

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
    public void Scheduled(KmsKey key, string replica) => Scheduled(key, replica, repeat: false);

    private void Scheduled(KmsKey key, string replica, bool repeat)
    {
        var now = time.GetUtcNow();
        TimeSpan first;
        lock (_gate)
        {
            if (_sent.Count >= MaxTracked)
            {
                _sent.Clear();
            }

            // The earliest unanswered send counts: what the replica has been waiting for since.
            _sent.TryAdd((key.KeyId, replica), (now, repeat));
            first = settings.Bounded(_answerTime.GetValueOrDefault(replica) * 4);
        }

        key.SentTo(replica, now, first, settings.MaxBackoff);
    }

    /// <summary><paramref name="replica"/> acknowledged <paramref name="keyId"/>: how long that took feeds the wait before the next repeat to it.</summary>
    public void Acknowledged(string keyId, string replica)
    {
        lock (_gate)
        {
            if (_sent.Remove((keyId, replica), out var sent) && !sent.Repeat)
            {
                var now = time.GetUtcNow();
                var took = now - sent.At;
                _answerTime[replica] = _answerTime.TryGetValue(replica, out var average) ? (average * 0.8) + (took * 0.2) : took;
                var upTo = _answered.TryGetValue(replica, out var answered) && answered.SentUpTo > sent.At ? answered.SentUpTo : sent.At;
                _answered[replica] = (upTo, now);
            }
        }
    }

    /// <summary>How long <paramref name="replica"/>'s acknowledgements have been taking (zero until one came).</summary>
    public TimeSpan AnswerTime(string replica)
    {
        lock (_gate)
        {
            return _answerTime.GetValueOrDefault(replica);
        }
    }

    /// <summary>
    /// True when <paramref name="replica"/> has been answering lately but nothing sent after the message to it about
    /// <paramref name="keyId"/>: it (or this Region, reading the answers) is working through a backlog and has not
    /// reached that one yet. "Lately" is the sync interval or twice the replica's usual answer time, whichever is
    /// longer: in a burst this Region reads answers in spurts too.
    /// </summary>
    private bool StillWorkingUpTo(string keyId, string replica, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_sent.TryGetValue((keyId, replica), out var sent) || !_answered.TryGetValue(replica, out var answered))
            {
                return false;
            }

            return now - answered.At <= settings.Bounded(_answerTime.GetValueOrDefault(replica) * 2) && answered.SentUpTo < sent.At;
        }
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

            if (StillWorkingUpTo(key.KeyId, region, now))
            {
                progress.RepeatNoEarlierThan(now + settings.Interval);
                continue;
            }

            var encoded = channel.Encode(region, key.KeyId, message);
            messages.Add(message is MaterialCarrier ? encoded with { Deliver = key.MaterialsOwedTo(region) } : encoded);
            Scheduled(key, region, repeat: true);
        }

        return messages;
    }
}
