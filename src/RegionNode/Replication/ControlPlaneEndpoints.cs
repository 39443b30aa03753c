namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// The ControlPlane replicas this Region may use (--controlplane, comma-separated), and the one it uses now. Any
/// replica relays to any Region: the Region stays with the one it has until that one stops answering, then moves on.
/// </summary>
public sealed class ControlPlaneEndpoints
{
    private readonly IReadOnlyList<Uri> _all;
    private int _current;

    /// <param name="all">The replicas' addresses.</param>
    /// <param name="region">
    /// This Region: each Region starts at a replica of its own (by its name), so a cluster's streams spread over the
    /// replicas rather than all landing on the first.
    /// </param>
    public ControlPlaneEndpoints(IReadOnlyList<Uri> all, string region)
    {
        if (all.Count == 0)
        {
            throw new ArgumentException("at least one ControlPlane address", nameof(all));
        }

        _all = all;
        _current = (int)(region.Aggregate(17u, (hash, c) => unchecked((hash * 31) + c)) % (uint)all.Count);
    }

    /// <summary>
    /// The addresses in --controlplane: https:// each, comma-separated; null (with the reason) when one is not.
    /// </summary>
    public static ControlPlaneEndpoints? Parse(string text, string region, out string? problem)
    {
        var uris = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                problem = $"--controlplane takes https:// addresses, comma-separated ('{part}' is not one): the link is mutual TLS.";
                return null;
            }

            uris.Add(uri);
        }

        problem = uris.Count == 0 ? "--controlplane names no address." : null;
        return uris.Count == 0 ? null : new ControlPlaneEndpoints(uris.Distinct().ToList(), region);
    }

    public IReadOnlyList<Uri> All => _all;

    public Uri Current => _all[Volatile.Read(ref _current) % _all.Count];

    /// <summary>The next replica, after <paramref name="failed"/> stopped answering (a no-op when another caller moved on already).</summary>
    public Uri MoveOn(Uri failed)
    {
        var index = Volatile.Read(ref _current);
        if (_all[index % _all.Count] == failed)
        {
            Interlocked.CompareExchange(ref _current, (index + 1) % _all.Count, index);
        }

        return Current;
    }

    /// <summary>Every replica, the current one first: for a one-off call that may be answered by any of them.</summary>
    public IEnumerable<Uri> StartingWithCurrent()
    {
        var start = Volatile.Read(ref _current);
        return Enumerable.Range(0, _all.Count).Select(i => _all[(start + i) % _all.Count]);
    }
}
