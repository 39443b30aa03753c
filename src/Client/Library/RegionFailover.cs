using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Mrk.Declarations;

namespace Grpc.Mrk.Client;

/// <summary>Another Region's RegionNode to fall back to when the preferred one cannot be reached.</summary>
public sealed record MrkRegionEndpoint(string Region, Uri Endpoint);

/// <summary>
/// Which calls may move to another Region, and how a request is addressed there. Only calls that change nothing (or
/// nothing shared) fail over: a write such as CreateKey must not silently happen in another Region. A multi-Region
/// key's ARN is rewritten to the other Region's related key (same key ID); key IDs and aliases travel as they are
/// (an alias resolves only where it was created).
/// </summary>
internal static class RegionFailover
{
    private static readonly HashSet<string> KeyFields = new(StringComparer.Ordinal) { "key_id", "source_key_id", "destination_key_id" };

    /// <summary>What the method declares in protos/ (mrk.v1.access failover), never a list kept here.</summary>
    public static bool Allows(MethodDescriptor method) => MethodDeclarations.Public.Of(method)?.Failover == true;

    /// <summary>The request as it must be sent to <paramref name="region"/>; the same instance when nothing changes.</summary>
    public static T Retarget<T>(T request, string? region) where T : IMessage
    {
        if (region is null)
        {
            return request;
        }

        T? copy = default;
        foreach (var field in request.Descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.String && KeyFields.Contains(f.Name)))
        {
            if (field.Accessor.GetValue(request) is string value && Rewrite(value, region) is { } rewritten)
            {
                copy ??= (T)request.Descriptor.Parser.ParseFrom(request.ToByteString());
                field.Accessor.SetValue(copy, rewritten);
            }
        }

        return copy ?? request;
    }

    /// <summary>arn:partition:kms:region:account:key/mrk-... in another Region; null when it is not a multi-Region key ARN.</summary>
    private static string? Rewrite(string value, string region)
    {
        var parts = value.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "kms" || !parts[5].StartsWith("key/mrk-", StringComparison.Ordinal) || parts[3] == region)
        {
            return null;
        }

        parts[3] = region;
        return string.Join(':', parts);
    }
}
