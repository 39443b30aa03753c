using System.Globalization;
using System.Text;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Caller-supplied text on its way into a log line (an error message echoing a key ID, a message ID from a frame):
/// control characters are escaped, so no input can break a line or forge another, and long values are cut.
/// </summary>
public static class LogText
{
    public const int MaxLength = 512;

    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var cut = text.Length > MaxLength;
        var span = cut ? text.AsSpan(0, MaxLength) : text.AsSpan();
        if (!cut && !span.ContainsAnyInRange('\0', '\u001f') && !span.Contains('\u007f'))
        {
            return text;
        }

        var safe = new StringBuilder(span.Length + 16);
        foreach (var c in span)
        {
            if (char.IsControl(c))
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return cut ? safe.Append(CultureInfo.InvariantCulture, $"... ({text.Length} characters)").ToString() : safe.ToString();
    }
}
