using System.Text.RegularExpressions;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>
/// The newest audit events of every Region, in memory, for the console's timeline (the Regions' logs keep every
/// record; this keeps the last <see cref="PerRegion"/> of each). A frame with any event outside the protocol's bounds is
/// dropped whole: the timeline shows a Region's own account of its log, as text, and decides nothing.
/// </summary>
public sealed partial class AuditTimeline(ClusterRegions regions)
{
    public const int PerRegion = 2000;

    private readonly Dictionary<string, LinkedList<AuditBrief>> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>One event for the console.</summary>
    public sealed record Event(string Region, long Sequence, DateTimeOffset Time, string EventName, string EventType, string Principal,
        IReadOnlyList<string> KeyArns, string ErrorCode, string EventId);

    public bool Accept(string region, AuditBriefs frame)
    {
        if (frame.Events.Count > 1000 || frame.Skipped < 0 || frame.Events.Any(e => !Plausible(e)))
        {
            return false;
        }

        lock (_lock)
        {
            var events = _events.TryGetValue(region, out var list) ? list : _events[region] = new LinkedList<AuditBrief>();
            foreach (var brief in frame.Events.Where(e => events.Last is null || e.Sequence > events.Last.Value.Sequence))
            {
                events.AddLast(brief);
            }

            while (events.Count > PerRegion)
            {
                events.RemoveFirst();
            }

            _skipped[region] = _skipped.GetValueOrDefault(region) + frame.Skipped;
        }

        return true;
    }

    /// <summary>The newest <paramref name="limit"/> events of every Region that match, newest first.</summary>
    public IReadOnlyList<Event> Recent(string? keyId, string? eventName, string? region, int limit)
    {
        lock (_lock)
        {
            return
            [
                .. _events.Where(r => region is null || r.Key == region)
                    .SelectMany(r => r.Value.Select(e => (Region: r.Key, Brief: e)))
                    .Where(e => (keyId is null || e.Brief.KeyArns.Any(a => a.Contains(keyId, StringComparison.Ordinal)))
                                && (eventName is null || e.Brief.EventName == eventName))
                    .OrderByDescending(e => e.Brief.Time?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
                    .ThenBy(e => e.Region, StringComparer.Ordinal)
                    .Take(limit)
                    .Select(e => new Event(e.Region, e.Brief.Sequence, e.Brief.Time?.ToDateTimeOffset() ?? DateTimeOffset.MinValue, e.Brief.EventName,
                        e.Brief.EventType, e.Brief.Principal, [.. e.Brief.KeyArns], e.Brief.ErrorCode, e.Brief.EventId)),
            ];
        }
    }

    /// <summary>The event names seen, and per Region how many events it passed over under load.</summary>
    public (IReadOnlyList<string> EventNames, IReadOnlyDictionary<string, long> Skipped) Summary()
    {
        lock (_lock)
        {
            return ([.. _events.Values.SelectMany(e => e).Select(e => e.EventName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                new Dictionary<string, long>(_skipped, StringComparer.Ordinal));
        }
    }

    private bool Plausible(AuditBrief brief) =>
        brief.Sequence > 0 && Word().IsMatch(brief.EventName) && (brief.EventType.Length == 0 || Word().IsMatch(brief.EventType))
        && (brief.ErrorCode.Length == 0 || Word().IsMatch(brief.ErrorCode)) && brief.EventId.Length <= 64 && brief.EventId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
        && brief.Principal.Length <= 512 && Arn().IsMatch(brief.Principal) && brief.KeyArns.Count <= 16
        && brief.KeyArns.All(a => KeyArn().Match(a) is { Success: true } m && regions.Contains(m.Groups[1].Value));

    [GeneratedRegex("^[A-Za-z]{1,64}$")]
    private static partial Regex Word();

    /// <summary>Empty, or an ARN of printable characters without markup.</summary>
    [GeneratedRegex(@"^(arn:[A-Za-z0-9\-]+:[A-Za-z0-9\-]*:[A-Za-z0-9\-]*:[0-9]*:[A-Za-z0-9_+=,.@/\-:]+)?$")]
    private static partial Regex Arn();

    [GeneratedRegex(@"^arn:aws:kms:([a-z0-9\-]+):[0-9]{12}:key/[A-Za-z0-9\-]{1,64}$")]
    private static partial Regex KeyArn();
}
