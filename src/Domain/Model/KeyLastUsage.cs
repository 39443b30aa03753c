namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The last successful cryptographic use of a key in this Region, as its audit record has it: the operation, the
/// record's time, eventID and requestID.
/// </summary>
public sealed record KeyLastUsage(string Operation, DateTimeOffset Timestamp, string EventId, string? RequestId)
{
    /// <summary>The operations AWS tracks (its KeyLastUsageTrackingOperation values).</summary>
    public static readonly IReadOnlySet<string> TrackedOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "Decrypt", "DeriveSharedSecret", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncrypt", "Sign", "Verify", "VerifyMac",
    };
}

/// <summary>What GetKeyLastUsage answers for a key.</summary>
public sealed record KeyUsageReport(string KeyId, KeyLastUsage? LastUsage, DateTimeOffset TrackingStartDate, DateTimeOffset KeyCreationDate);
