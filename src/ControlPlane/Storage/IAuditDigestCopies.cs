namespace Grpc.Mrk.ControlPlane.Storage;

/// <summary>A Region's signed audit digest as the ControlPlane keeps it.</summary>
public sealed record DigestCopy(long Sequence, byte[] Hash, DateTimeOffset CreatedAt, byte[] Signature);

/// <summary>
/// The copies of each Region's audit digests. A digest is kept only when it verifies with the Region's audit signing
/// key, which is the first key the Region published (a Region that later presents another key is refused: its log and
/// key were replaced). The newest <see cref="KeptPerRegion"/> are kept per Region: the newest alone already commits to
/// every record before it, older ones only narrow down where a log was changed.
/// </summary>
public interface IAuditDigestCopies
{
    public const int KeptPerRegion = 100_000;

    /// <summary>Stores the digests; returns the highest sequence now held for the Region, or the reason they were refused.</summary>
    Task<(long UpTo, string? Refusal)> StoreAsync(string region, byte[] publicKey, IReadOnlyList<DigestCopy> digests, CancellationToken cancellationToken);

    /// <summary>The Region's digests after <paramref name="afterSequence"/>, oldest first, and the key they verify with.</summary>
    Task<(byte[]? PublicKey, IReadOnlyList<DigestCopy> Digests)> ListAsync(string region, long afterSequence, int limit, CancellationToken cancellationToken);
}
