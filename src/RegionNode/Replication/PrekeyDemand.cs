namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// How fast this Region uses each other Region's prekeys, and how long that Region takes to answer a request for
/// more. In a burst the answer queues behind everything already sent to it, so a fixed low-water mark asks too late
/// and for too few: this asks while what is left still covers twice the time an answer takes at the current rate, and
/// for enough to cover four times it. Every time here is an interval, read on the monotonic clock: a wall clock set
/// back would otherwise hold asks back for as long.
/// </summary>
public sealed class PrekeyDemand(TimeProvider time)
{
    /// <summary>The rate is the prekeys taken over this last stretch of time.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    /// <summary>A Region is asked at most this often, whatever the rate.</summary>
    public static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long an answer is taken to need until one has been timed.</summary>
    public static readonly TimeSpan FirstAnswerGuess = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);

    /// <summary>A prekey of <paramref name="peer"/> was taken for a batch.</summary>
    public void Used(string peer)
    {
        lock (_gate)
        {
            var state = For(peer);
            state.Uses.Enqueue(time.GetTimestamp());
            Forget(state);
        }
    }

    /// <summary>
    /// How many prekeys to ask <paramref name="peer"/> for now that this Region holds <paramref name="held"/> of its;
    /// null when it holds enough, or an ask is on its way and not overdue.
    /// </summary>
    public int? Ask(string peer, int held)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            var state = For(peer);
            Forget(state);
            if (held >= Math.Max(OwnPrekeys.PerPeer / 4, Math.Ceiling(state.UsedWithin(answers: 2))))
            {
                return null;
            }

            if (state.LastAsk is { } last && time.GetElapsedTime(last, now) is var since && (since < AskAgainAfter || (state.Waiting && since < 2 * state.Lead)))
            {
                return null;
            }

            state.LastAsk = now;
            state.Waiting = true;
            var cover = (int)Math.Min(OwnPrekeys.MaxPerPeer, Math.Ceiling(state.UsedWithin(answers: 4)));
            return Math.Clamp(cover - held, OwnPrekeys.PerPeer / 2, OwnPrekeys.MaxPerPeer);
        }
    }

    /// <summary>
    /// True while prekeys of <paramref name="peer"/> are being used so fast that the <paramref name="held"/> left would
    /// not last until an answer to an ask comes back: the sender then forms fewer, larger batches.
    /// </summary>
    public bool Scarce(string peer, int held)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peer, out var state) && Scarce(state, held);
        }
    }

    /// <summary>True while <see cref="Scarce(string, int)"/> holds for any Region this one has used prekeys of (<paramref name="held"/> counts what is left).</summary>
    public bool AnyScarce(Func<string, int> held)
    {
        lock (_gate)
        {
            return _peers.Any(p => Scarce(p.Value, held(p.Key)));
        }
    }

    private bool Scarce(Peer state, int held)
    {
        Forget(state);
        return state.Uses.Count > 0 && state.UsedWithin(answers: 2) > held;
    }

    /// <summary>New prekeys arrived from <paramref name="peer"/>: an ask on its way is answered, and how long it took is the next lead time.</summary>
    public void Answered(string peer)
    {
        lock (_gate)
        {
            var state = For(peer);
            if (state.Waiting && state.LastAsk is { } asked)
            {
                state.Answer = time.GetElapsedTime(asked);
            }

            state.Waiting = false;
        }
    }

    private Peer For(string peer)
    {
        if (!_peers.TryGetValue(peer, out var state))
        {
            _peers[peer] = state = new Peer();
        }

        return state;
    }

    private void Forget(Peer state)
    {
        var now = time.GetTimestamp();
        while (state.Uses.TryPeek(out var oldest) && time.GetElapsedTime(oldest, now) >= Window)
        {
            state.Uses.Dequeue();
        }
    }

    private sealed class Peer
    {
        /// <summary>Monotonic timestamps (<see cref="TimeProvider.GetTimestamp"/>) of the uses within the window.</summary>
        public Queue<long> Uses { get; } = new();

        public long? LastAsk { get; set; }

        /// <summary>An ask was sent and nothing new has arrived since.</summary>
        public bool Waiting { get; set; }

        public TimeSpan Answer { get; set; }

        /// <summary>How long an answer is expected to take: the last one timed, or the first guess.</summary>
        public TimeSpan Lead => Answer > FirstAnswerGuess ? Answer : FirstAnswerGuess;

        /// <summary>The prekeys used, at the rate of the last <see cref="Window"/>, over <paramref name="answers"/> answer times.</summary>
        public double UsedWithin(int answers) => Uses.Count / Window.TotalSeconds * Lead.TotalSeconds * answers;
    }
}
