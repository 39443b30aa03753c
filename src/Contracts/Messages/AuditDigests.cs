using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Messages;

/// <summary>Audit digests on the wire (hash as lowercase hex) and back, with the checks every reader makes of them.</summary>
public static class AuditDigests
{
    /// <summary>Most digests one request may carry or one answer may hold.</summary>
    public const int MaxPerMessage = 10_000;

    public static AuditDigest ToMessage(long sequence, byte[] hash, DateTimeOffset createdAt, byte[] signature) => new()
    {
        Sequence = sequence, Hash = Convert.ToHexStringLower(hash), CreatedAt = Timestamp.FromDateTimeOffset(createdAt),
        Signature = ByteString.CopyFrom(signature),
    };

    /// <summary>The digest's parts, or a description of what is wrong with it.</summary>
    public static (long Sequence, byte[] Hash, DateTimeOffset CreatedAt, byte[] Signature)? Parse(AuditDigest digest, out string? problem)
    {
        problem = digest switch
        {
            { Sequence: <= 0 } => "a digest's sequence must be positive",
            { Hash.Length: not 64 } => "a digest's hash must be 64 hex characters",
            { CreatedAt: null } => "a digest needs its creation time",
            { Signature.Length: 0 or > 512 } => "a digest's signature must be 1-512 bytes",
            _ => null,
        };
        if (problem is not null)
        {
            return null;
        }

        try
        {
            return (digest.Sequence, Convert.FromHexString(digest.Hash), digest.CreatedAt!.ToDateTimeOffset(), digest.Signature.ToByteArray());
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            problem = "a digest's hash must be hex and its time valid";
            return null;
        }
    }
}
