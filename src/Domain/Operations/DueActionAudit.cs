using System.Globalization;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// What the audit record of an action that came due with time says about time: the date it was due and the clock time
/// it was carried out at (the same reading that decided it was due), so a record shows that nothing ran early by the
/// clock it used, whatever that clock did later.
/// </summary>
public static class DueActionAudit
{
    public static Dictionary<string, object?> Parameters(DateTimeOffset dueDate, DateTimeOffset clockTime) => new()
    {
        ["dueDate"] = Text(dueDate), ["clockTime"] = Text(clockTime),
    };

    private static string Text(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
