using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>Timestamps from requests: a value outside what google.protobuf.Timestamp allows (years 1-9999, nanos
/// 0-999,999,999) is the caller's mistake, refused as ValidationException, not an internal error.</summary>
public static class ProtoTime
{
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range the Timestamp type defines.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    public static DateTimeOffset? Read(Timestamp? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds is < MinSeconds or > MaxSeconds || value.Nanos is < 0 or > 999_999_999)
        {
            throw KmsErrors.Validation($"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must be a valid timestamp");
        }

        return value.ToDateTimeOffset();
    }
}
