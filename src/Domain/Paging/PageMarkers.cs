using System.Text;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Paging;

/// <summary>Paging as AWS does it: Limit 1-1000 and an opaque Marker naming where the last page stopped.</summary>
public static class PageMarkers
{
    public static int Limit(int? limit, int defaultLimit)
    {
        if (limit is null)
        {
            return defaultLimit;
        }

        ParameterChecks.Range(limit.Value, "limit", 1, 1000);
        return limit.Value;
    }

    public static string Encode(string position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + position)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position a marker names, null for no marker; InvalidMarkerException for anything else.</summary>
    public static string? Decode(string marker)
    {
        if (string.IsNullOrEmpty(marker))
        {
            return null;
        }

        if (marker.Length > 1024)
        {
            throw KmsErrors.InvalidMarker();
        }

        try
        {
            var base64 = marker.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
            return text.StartsWith("v1:", StringComparison.Ordinal) ? text[3..] : throw KmsErrors.InvalidMarker();
        }
        catch (FormatException)
        {
            throw KmsErrors.InvalidMarker();
        }
        catch (ArgumentException)
        {
            throw KmsErrors.InvalidMarker();
        }
    }

    /// <summary>One page of an in-memory, already ordered list whose positions are indexes.</summary>
    public static Page<T> PageOf<T>(IReadOnlyList<T> items, int? limit, string marker, int defaultLimit)
    {
        var take = Limit(limit, defaultLimit);
        var start = 0;
        if (Decode(marker) is { } position)
        {
            if (!int.TryParse(position, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out start)
                || start > items.Count)
            {
                throw KmsErrors.InvalidMarker();
            }
        }

        var page = items.Skip(start).Take(take).ToList();
        var end = start + page.Count;
        return end < items.Count
            ? new Page<T>(page, Encode(end.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            : new Page<T>(page, null);
    }
}
