using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Audit;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Sends the ControlPlane's console a brief of each audit record this Region commits (when, what, who, which keys,
/// refused or not), so an auditor sees in one timeline where a key was used across Regions. On connecting, the newest
/// <see cref="PerFrame"/>; then at most one frame every <see cref="Interval"/>: under a flood the oldest of the backlog
/// are passed over and counted, because the console shows recent events and the log itself keeps every one.
/// </summary>
public sealed class AuditBriefPublisher(AuditStore store, TimeProvider time)
{
    public const int PerFrame = 500;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public async Task RunAsync(Func<RegionFrame, Task> write, CancellationToken cancellationToken)
    {
        var (tail, _) = await store.TailAsync(cancellationToken).ConfigureAwait(false);
        var sentUpTo = Math.Max(0, tail - PerFrame);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                (tail, _) = await store.TailAsync(cancellationToken).ConfigureAwait(false);
                var skipped = Math.Max(0, tail - sentUpTo - PerFrame);
                var records = tail > sentUpTo ? await store.ReadAsync(sentUpTo + skipped, PerFrame, null, cancellationToken).ConfigureAwait(false) : [];
                if (records.Count > 0)
                {
                    var frame = new AuditBriefs { Skipped = skipped };
                    frame.Events.AddRange(records.Select(r => Brief(r.Sequence, r.Json)));
                    await write(new RegionFrame { Audit = frame }).ConfigureAwait(false);
                    sentUpTo = records[^1].Sequence;
                }
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or JsonException)
            {
                // The console misses a round; nothing else waits on it, and the next round reads on from the same place.
            }

            await Task.Delay(Interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The brief of one stored record (the CloudTrail-shaped JSON this Region wrote itself).</summary>
    public static AuditBrief Brief(long sequence, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : string.Empty;
        var brief = new AuditBrief
        {
            Sequence = sequence,
            EventName = Text(root, "eventName"),
            EventType = Text(root, "eventType"),
            Principal = root.TryGetProperty("userIdentity", out var identity) ? Text(identity, "arn") : string.Empty,
            ErrorCode = Text(root, "errorCode"),
            EventId = Text(root, "eventID"),
        };
        if (DateTimeOffset.TryParse(Text(root, "eventTime"), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
        {
            brief.Time = Timestamp.FromDateTimeOffset(at);
        }

        if (root.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
        {
            brief.KeyArns.AddRange(resources.EnumerateArray().Where(r => Text(r, "type") == "AWS::KMS::Key").Select(r => Text(r, "ARN"))
                .Where(a => a.Length > 0).Take(16));
        }

        return brief;
    }
}
