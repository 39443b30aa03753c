using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>Writes an audit event as a CloudTrail-shaped JSON record (fields in a fixed order, so the bytes hashed are stable).</summary>
public static class AuditRecordFormat
{
    // The writer formats every record of the log: one buffer per thread, not a stream, a writer and two copies per record.
    private const int KeptBufferBytes = 64 * 1024;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static string Json(AuditEvent e, RegionIdentity region, DateTimeOffset time, Guid eventId) =>
        Chained(e, region, time, eventId, new byte[32]).Json;

    /// <summary>The record's JSON and its chain hash: SHA-256 of <paramref name="previousHash"/> followed by the JSON's UTF-8 bytes.</summary>
    public static (string Json, byte[] Hash) Chained(AuditEvent e, RegionIdentity region, DateTimeOffset time, Guid eventId, byte[] previousHash)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        previousHash.CopyTo(buffer.GetSpan(previousHash.Length));
        buffer.Advance(previousHash.Length);
        var w = t_writer ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        try
        {
            Write(w, e, region, time, eventId);
            w.Flush();
            var written = buffer.WrittenSpan;
            return (Encoding.UTF8.GetString(written[previousHash.Length..]), SHA256.HashData(written));
        }
        finally
        {
            if (buffer.Capacity > KeptBufferBytes)
            {
                (t_buffer, t_writer) = (null, null);
            }
        }
    }

    private static void Write(Utf8JsonWriter w, AuditEvent e, RegionIdentity region, DateTimeOffset time, Guid eventId)
    {
        w.WriteStartObject();
        w.WriteString("eventVersion", "1.08");
        w.WritePropertyName("userIdentity");
        WriteIdentity(w, e.PrincipalArn, region);
        w.WriteString("eventTime", time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("eventSource", "kms.amazonaws.com");
        w.WriteString("eventName", e.EventName);
        w.WriteString("awsRegion", region.Region);
        w.WritePropertyName("requestParameters");
        WriteValue(w, e.RequestParameters);
        w.WritePropertyName("responseElements");
        WriteValue(w, e.ResponseElements);
        if (e.ErrorCode is not null)
        {
            w.WriteString("errorCode", e.ErrorCode);
            w.WriteString("errorMessage", e.ErrorMessage ?? string.Empty);
        }

        if (e.RequestId is not null)
        {
            w.WriteString("requestID", e.RequestId);
        }

        w.WriteString("eventID", eventId.ToString());
        w.WriteBoolean("readOnly", e.ReadOnly);
        w.WriteStartArray("resources");
        foreach (var arn in e.KeyArn is null ? e.OtherKeyArns : [e.KeyArn, .. e.OtherKeyArns])
        {
            w.WriteStartObject();
            w.WriteString("accountId", region.AccountId);
            w.WriteString("type", "AWS::KMS::Key");
            w.WriteString("ARN", arn);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("eventType", e.EventType);
        if (e.Protocol is not null)
        {
            w.WriteStartObject("additionalEventData");
            w.WriteString("protocol", e.Protocol);
            w.WriteEndObject();
        }

        w.WriteBoolean("managementEvent", true);
        w.WriteString("recipientAccountId", region.AccountId);
        w.WriteString("eventCategory", "Management");
        w.WriteEndObject();
    }

    private static void WriteIdentity(Utf8JsonWriter w, string? principalArn, RegionIdentity region)
    {
        w.WriteStartObject();
        if (principalArn is null)
        {
            w.WriteString("type", "AWSService");
            w.WriteString("invokedBy", "kms.amazonaws.com");
        }
        else
        {
            // Operators are the cluster's own identities, not IAM principals; their records say so rather than pass for a user.
            var type = principalArn.EndsWith(":root", StringComparison.Ordinal) ? "Root"
                : principalArn.Contains(":role/", StringComparison.Ordinal) ? "AssumedRole"
                : principalArn.Contains(":operator/", StringComparison.Ordinal) ? "ClusterOperator" : "IAMUser";
            w.WriteString("type", type);
            w.WriteString("arn", principalArn);
            w.WriteString("accountId", region.AccountId);
        }

        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case IReadOnlyDictionary<string, object?> map:
                w.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    w.WritePropertyName(key);
                    WriteValue(w, item);
                }

                w.WriteEndObject();
                break;
            case IReadOnlyDictionary<string, string> strings:
                w.WriteStartObject();
                foreach (var (key, item) in strings.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WriteString(key, item);
                }

                w.WriteEndObject();
                break;
            case IEnumerable<string> list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(value.ToString());
                break;
        }
    }
}
