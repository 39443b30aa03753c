using System.Text.Json;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// One Region's audit log after the run: its hash chain and signed digests verify, no record appears twice, and each
/// management call the workload made there has between (acknowledged) and (acknowledged + unanswered) successful
/// records: fewer means a record was lost, more means one was duplicated or a refused call was recorded as done.
/// </summary>
public sealed class AuditCheck(ChaosCluster cluster, Ledger ledger, RunFigures figures, IReadOnlyCollection<Clocks.DueAction> dueActions)
{
    public async Task RunAsync(string region, CancellationToken cancellationToken)
    {
        // Only an operator reads the audit log; checking all of it after a long run (and right after a rebuild, while the
        // Region is busy) takes longer than one call of the workload may.
        using var client = cluster.PatientOperatorClient(region, TimeSpan.FromMinutes(2));
        string? problem;
        try
        {
            var verify = (VerifyAuditLogResponse)await client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("VerifyAuditLog"), new VerifyAuditLogRequest(),
                cancellationToken).ConfigureAwait(false);
            problem = verify.Valid ? null : $"{region}: at {verify.FirstBadSequence}: {verify.Problem}";
        }
        catch (Grpc.Mrk.Client.MrkException e)
        {
            problem = $"{region}: the check did not complete: {e.ErrorCode}: {e.Message}";
        }

        figures.Check("audit log verifies (hash chain and signed digests)", problem);

        var successes = new Dictionary<(string Event, string KeyId), int>();
        var due = new List<(string Event, string KeyId, DateTimeOffset DueDate, DateTimeOffset ClockTime)>();
        var eventIds = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        long previous = 0;
        var gaps = 0;
        var truncated = true;
        while (truncated)
        {
            var page = (ListAuditRecordsResponse)await client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { AfterSequence = previous, Limit = 1000 }, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                gaps += record.Sequence == previous + 1 ? 0 : 1;
                previous = record.Sequence;
                using var json = JsonDocument.Parse(record.Json);
                var root = json.RootElement;
                duplicates += eventIds.Add(root.GetProperty("eventID").GetString()!) ? 0 : 1;
                if (DueRecord(root) is { } action)
                {
                    due.Add(action);
                }

                if (root.GetProperty("eventType").GetString() != "AwsApiCall" || root.TryGetProperty("errorCode", out _))
                {
                    continue;
                }

                var arn = root.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("ARN").GetString()).FirstOrDefault() ?? string.Empty;
                var keyId = arn[(arn.LastIndexOf('/') + 1)..];
                var key = (root.GetProperty("eventName").GetString()!, keyId);
                successes[key] = successes.GetValueOrDefault(key) + 1;
            }

            truncated = page.Truncated && page.Records.Count > 0;
        }

        figures.Check("audit records are numbered without gaps and none appears twice",
            gaps == 0 && duplicates == 0 ? null : $"{region}: {gaps} gaps, {duplicates} duplicate event IDs");

        foreach (var action in due)
        {
            figures.Check("a due action is never carried out before its date by the clock that decided it",
                action.ClockTime >= action.DueDate ? null : $"{region} {action.Event} {action.KeyId}: due {action.DueDate:O}, carried out at {action.ClockTime:O}");
        }

        foreach (var action in dueActions.Where(a => a.Region == region))
        {
            var recorded = due.Where(d => d.Event == action.EventName && d.KeyId == action.KeyId).ToList();
            figures.Check("a due action a clock jump brought on is recorded once, with its date and the clock time it used",
                recorded is [var one] && one.DueDate == Milliseconds(action.DueDate) && one.ClockTime >= Milliseconds(action.Earliest) && one.ClockTime <= action.Latest ? null
                    : $"{region} {action.EventName} {action.KeyId} due {action.DueDate:O}: recorded {string.Join(", ", recorded.Select(r => $"due {r.DueDate:O} at {r.ClockTime:O}"))}"
                      + $" (expected once, between {action.Earliest:O} and {action.Latest:O})");
        }

        var expected = ledger.Acknowledged.Keys.Concat(ledger.Unanswered.Keys).Where(k => k.Region == region).Distinct();
        foreach (var (_, eventName, keyId) in expected)
        {
            var acknowledged = ledger.Acknowledged.GetValueOrDefault((region, eventName, keyId));
            var unanswered = ledger.Unanswered.GetValueOrDefault((region, eventName, keyId));
            var recorded = successes.GetValueOrDefault((eventName, keyId));
            figures.Check("every acknowledged management call has exactly one audit record",
                recorded >= acknowledged && recorded <= acknowledged + unanswered
                    ? null : $"{region} {eventName} {keyId}: {recorded} records, {acknowledged} acknowledged, {unanswered} unanswered");
        }
    }

    /// <summary>Audit records give times to the millisecond.</summary>
    private static DateTimeOffset Milliseconds(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>An internal record of an action that came due with time (it carries dueDate and clockTime), or null.</summary>
    private static (string Event, string KeyId, DateTimeOffset DueDate, DateTimeOffset ClockTime)? DueRecord(JsonElement root)
    {
        if (root.GetProperty("eventType").GetString() != "AwsServiceEvent" || root.GetProperty("requestParameters") is not { ValueKind: JsonValueKind.Object } parameters
            || !parameters.TryGetProperty("dueDate", out var dueDate) || !parameters.TryGetProperty("clockTime", out var clockTime))
        {
            return null;
        }

        var arn = root.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("ARN").GetString()).FirstOrDefault() ?? string.Empty;
        return (root.GetProperty("eventName").GetString()!, arn[(arn.LastIndexOf('/') + 1)..],
            DateTimeOffset.Parse(dueDate.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(clockTime.GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
