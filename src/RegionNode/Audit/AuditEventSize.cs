using System.Collections;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>About how much memory a queued audit event holds (strings at two bytes a character), to bound the queue in bytes.</summary>
internal static class AuditEventSize
{
    private const long Overhead = 512;

    public static long Estimate(AuditEvent auditEvent) =>
        Overhead + Of(auditEvent.EventName) + Of(auditEvent.PrincipalArn) + Of(auditEvent.KeyArn) + Of(auditEvent.OtherKeyArns)
        + Of(auditEvent.ErrorMessage) + Of(auditEvent.RequestParameters) + Of(auditEvent.ResponseElements);

    private static long Of(object? value) => value switch
    {
        null => 0,
        string text => 24 + (2L * text.Length),
        IDictionary map => map.Keys.Cast<object?>().Sum(Of) + map.Values.Cast<object?>().Sum(Of) + 32,
        IEnumerable items => items.Cast<object?>().Sum(Of) + 32,
        _ => 16,
    };
}
