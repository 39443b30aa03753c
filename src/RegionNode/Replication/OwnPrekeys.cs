using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// This Region's one-time transport prekeys, a set per other Region (only that Region may seal material with them).
/// Memory only: a restart forgets them, and material sealed with one of them is asked for again. A prekey is taken
/// (its private key removed) by the first batch that uses it; unused ones expire after <see cref="Lifetime"/>, after
/// which nothing sealed with them can be opened here: forward secrecy per batch, at the latest after the lifetime.
/// The lifetime is counted on the monotonic clock as well as by the published expiry, so a wall clock set back does
/// not keep a private key longer.
/// </summary>
public sealed class OwnPrekeys(TimeProvider time)
{
    /// <summary>Enough for the batches a sender forms (one per outbox read under a steady load) while a top-up is on its way to it.</summary>
    public const int PerPeer = 256;

    /// <summary>
    /// The most this Region keeps for one other Region: what that Region may ask for ahead of a burst (each costs about
    /// 200 bytes of memory here, and a key generation), so even a Region that asks for more than it uses cannot make
    /// this one hold or generate more.
    /// </summary>
    public const int MaxPerPeer = 2048;

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Prekey>> _byPeer = new(StringComparer.Ordinal);

    /// <summary>A prekey as published: its ID, public key and expiry.</summary>
    public sealed record Published(string Id, byte[] PublicKey, DateTimeOffset ExpiresAt);

    /// <summary>The set <paramref name="peer"/> may use, topped up to <see cref="PerPeer"/> live prekeys (what to publish to it).</summary>
    public IReadOnlyList<Published> TopUp(string peer) => TopUp(peer, onlyNew: false);

    /// <summary>Only the prekeys made now to bring <paramref name="peer"/>'s set back to <see cref="PerPeer"/>.</summary>
    public IReadOnlyList<Published> Replenish(string peer) => TopUp(peer, onlyNew: true);

    /// <summary>
    /// New prekeys for <paramref name="peer"/>, which asked for <paramref name="wanted"/> more ahead of a burst: as many
    /// as keep its set within <see cref="MaxPerPeer"/>, and at least enough to bring it back to <see cref="PerPeer"/>.
    /// Only the new ones are returned (what the peer holds already is not sent again).
    /// </summary>
    public IReadOnlyList<Published> Grow(string peer, int wanted) => TopUp(peer, onlyNew: true, wanted);

    private List<Published> TopUp(string peer, bool onlyNew, int wanted = 0)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!_byPeer.TryGetValue(peer, out var set))
            {
                _byPeer[peer] = set = [];
            }

            foreach (var expired in set.Where(p => !Live(p, now)).ToList())
            {
                Forget(set, expired);
            }

            var target = Math.Max(PerPeer, set.Count + Math.Clamp(wanted, 0, MaxPerPeer - set.Count));
            var made = Math.Max(target - set.Count, 0);
            while (set.Count < target)
            {
                var (publicKey, privateKey) = DeliverySealing.CreatePrekey();
                set.Add(new Prekey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), publicKey, privateKey, now + Lifetime, time.GetTimestamp()));
            }

            return set.Skip(onlyNew ? set.Count - made : 0).Select(p => new Published(p.Id, p.PublicKey, p.ExpiresAt)).ToList();
        }
    }

    /// <summary>
    /// The prekey <paramref name="id"/> published to <paramref name="source"/>, removed so nothing opens with it again;
    /// null when there is no such live prekey. The caller zeroes the private key.
    /// </summary>
    public (byte[] PublicKey, byte[] PrivateKey)? Take(string source, string id)
    {
        lock (_gate)
        {
            if (!_byPeer.TryGetValue(source, out var set) || set.Find(p => p.Id == id) is not { } prekey)
            {
                return null;
            }

            set.Remove(prekey);
            return Live(prekey, time.GetUtcNow()) ? (prekey.PublicKey, prekey.PrivateKey) : Expired(prekey);
        }
    }

    /// <summary>How many live prekeys <paramref name="peer"/> holds of this Region's.</summary>
    public int Count(string peer)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _byPeer.TryGetValue(peer, out var set) ? set.Count(p => Live(p, now)) : 0;
        }
    }

    private bool Live(Prekey prekey, DateTimeOffset now) => prekey.ExpiresAt > now && time.GetElapsedTime(prekey.Made) < Lifetime;

    private static (byte[], byte[])? Expired(Prekey prekey)
    {
        CryptographicOperations.ZeroMemory(prekey.PrivateKey);
        return null;
    }

    private static void Forget(List<Prekey> set, Prekey prekey)
    {
        CryptographicOperations.ZeroMemory(prekey.PrivateKey);
        set.Remove(prekey);
    }

    /// <summary>A prekey and when it was made (a monotonic timestamp).</summary>
    private sealed record Prekey(string Id, byte[] PublicKey, byte[] PrivateKey, DateTimeOffset ExpiresAt, long Made);
}
