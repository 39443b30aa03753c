using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Records every call of a method whose declaration says so (<see cref="MethodDeclarations"/>: audit mode RECORD), allowed
/// or refused, with its caller, key and parameters. Byte fields (plaintext, ciphertext, data keys, signatures,
/// messages) are never recorded, nor the response of a method that does not declare audit_response. Calls that change
/// nothing are group-committed; a call that changes state opens its record (<see cref="PendingAudit"/>) on the call,
/// where <see cref="CallerAuthentication"/> hands it to the domain with the caller and the store writes it in the same
/// transaction as the change; when the call stored nothing with it, the record is made durable before the call answers.
/// </summary>
public sealed class AuditInterceptor(IAuditSink audit, RefusalRateLimit refusals, RegionIdentity region) : Interceptor
{
    private const string PendingKey = "mrk.pending-audit";

    /// <summary>The header AWS answers every request with, naming it.</summary>
    public const string RequestIdHeader = "x-amzn-RequestId";

    /// <summary>Longest string value kept in a record, and most entries of a list or map; longer ones are cut with a marker.</summary>
    public const int MaxValueLength = 4096;

    public const int MaxEntries = 64;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (RegionNodeMethods.Declarations.Find(context.Method) is not { Audited: true } declaration)
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        // A log that cannot be written (its disk is full) refuses every audited call, crypto calls too: none is served
        // with a record that may never be kept. The count is recorded once the log can be written again.
        if (audit.Unwritable is { } why)
        {
            audit.CountRefusedUnwritable();
            throw KmsErrors.DependencyUnavailable($"The Region cannot write its audit log: {why}. The call was refused rather than served without its record; retry once space is freed.");
        }

        // A backed-up audit queue refuses calls rather than lose their records (or grow without bound).
        if (audit.IsBackedUp)
        {
            audit.CountThrottled();
            throw KmsErrors.Throttled();
        }

        var name = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var readOnly = !declaration.ChangesState;
        // A call that changes state has its record written by the store in the same transaction as the change.
        var pending = readOnly ? null : new PendingAudit(Event(name, readOnly, request as IMessage, null, context, null, null));
        if (pending is not null)
        {
            context.UserState[PendingKey] = pending;
        }

        using var collecting = KeysUsed.Begin(out var used);
        TResponse response;
        try
        {
            response = await continuation(request, context).ConfigureAwait(false);
        }
        catch (KmsException refusal)
        {
            RecordRefusal(Event(name, readOnly, request as IMessage, null, context, refusal.ErrorCode, refusal.Message, used), context);
            throw;
        }
        catch (Exception failure) when (failure is not (OperationCanceledException or RpcException))
        {
            audit.Record(Event(name, readOnly, request as IMessage, null, context, KmsErrorCodes.KMSInternal, "An internal error occurred.", used));
            throw;
        }

        if (pending is { Written: true })
        {
            return response;
        }

        var responseElements = declaration.AuditResponse ? response as IMessage : null;
        var auditEvent = Event(name, readOnly, request as IMessage, response as IMessage, context, null, null, used) with
        {
            ResponseElements = responseElements is null ? null : Parameters(responseElements),
        };
        if (readOnly)
        {
            audit.Record(auditEvent);
        }
        else
        {
            // A call that changed nothing stored (or whose store write carried no record): durable before the answer.
            await audit.RecordDurablyAsync(auditEvent, context.CancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>
    /// A server-streaming call (an operator's backup) is recorded once, when it ends: made durable before the stream
    /// completes when it succeeded, with its refusal otherwise. Its responses are never recorded.
    /// </summary>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (RegionNodeMethods.Declarations.Find(context.Method) is not { Audited: true } declaration)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }

        var name = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var readOnly = !declaration.ChangesState;
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (KmsException refusal)
        {
            RecordRefusal(Event(name, readOnly, request as IMessage, null, context, refusal.ErrorCode, refusal.Message), context);
            throw;
        }
        catch (Exception failure) when (failure is not (OperationCanceledException or RpcException))
        {
            audit.Record(Event(name, readOnly, request as IMessage, null, context, KmsErrorCodes.KMSInternal, "An internal error occurred."));
            throw;
        }

        await audit.RecordDurablyAsync(Event(name, readOnly, request as IMessage, null, context, null, null), context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record the call owes for its change, if it changes state and its record is not written yet.</summary>
    public static PendingAudit? PendingOf(ServerCallContext context) =>
        context.UserState.TryGetValue(PendingKey, out var value) && value is PendingAudit { Written: false } pending ? pending : null;

    /// <summary>
    /// A refusal of a caller who proved no identity, and a throttled call, is recorded within the address's rate
    /// (<see cref="RefusalRateLimit"/>): a flood of either must not become a flood of records. Those counted instead
    /// are recorded as one event before the next one recorded.
    /// </summary>
    private void RecordRefusal(AuditEvent refusal, ServerCallContext context)
    {
        var throttled = refusal.ErrorCode == KmsErrorCodes.Throttling;
        if (!throttled && CallerAuthentication.FoundCaller(context) is not null)
        {
            audit.Record(refusal);
            return;
        }

        var kind = throttled ? "ThrottledCallsSuppressed" : "UnauthenticatedCallsSuppressed";
        var address = context.GetHttpContext().Connection.RemoteIpAddress;
        if (!refusals.TryRecord(kind, address, out var suppressed))
        {
            return;
        }

        if (suppressed > 0)
        {
            audit.Record(new AuditEvent(kind, AuditEvent.ServiceEvent, null, null, true,
                new Dictionary<string, object?> { ["sourceIPAddress"] = address?.ToString() ?? "unknown", ["count"] = suppressed }));
        }

        audit.Record(refusal);
    }

    /// <summary>
    /// The call's record. Its resources are the keys it used: those it asked a decision about (<paramref name="used"/>:
    /// the key a ciphertext names, both keys of ReEncrypt), those its response names, then those its request names.
    /// The response is read for its keys only; whether its fields are recorded is the caller's choice.
    /// </summary>
    private AuditEvent Event(string name, bool readOnly, IMessage? request, IMessage? response, ServerCallContext context, string? errorCode,
        string? errorMessage, KeysUsed? used = null)
    {
        var caller = CallerAuthentication.FoundCaller(context)?.PrincipalArn;
        var keys = new List<string>(2);
        foreach (var arn in used?.Arns ?? [])
        {
            AddOnce(keys, arn);
        }

        AddKeyArns(keys, response);
        AddKeyArns(keys, request);
        return new AuditEvent(name, AuditEvent.ApiCall, caller ?? "anonymous", keys.FirstOrDefault(), readOnly,
            request is null ? new Dictionary<string, object?>() : Parameters(request), null, errorCode, errorMessage)
        {
            OtherKeyArns = keys.Count > 1 ? keys.GetRange(1, keys.Count - 1) : [],
            Protocol = AwsProtocol.AwsJsonCallContext.SignedRequestOf(context) is null ? "grpc" : "aws-json",
            RequestId = RequestIdOf(context),
        };
    }

    /// <summary>
    /// The call's request ID as AWS's answers carry it (x-amzn-RequestId): the AWS JSON front sets it before the call;
    /// a gRPC call gets one here, sent back as a response header, so a caller can find its record.
    /// </summary>
    private static string RequestIdOf(ServerCallContext context)
    {
        var headers = context.GetHttpContext().Response.Headers;
        if (headers.TryGetValue(RequestIdHeader, out var id) && id.Count == 1 && !string.IsNullOrEmpty(id[0]))
        {
            return id[0]!;
        }

        var made = Guid.NewGuid().ToString();
        if (!context.GetHttpContext().Response.HasStarted)
        {
            headers[RequestIdHeader] = made;
        }

        return made;
    }

    private static void AddOnce(List<string> keys, string arn)
    {
        if (!keys.Contains(arn))
        {
            keys.Add(arn);
        }
    }

    private void AddKeyArns(List<string> keys, IMessage? message)
    {
        if (message is null)
        {
            return;
        }

        var fields = AuditedFields.Of(message.Descriptor);
        if (fields.KeyMetadata?.Accessor.GetValue(message) is IMessage metadata
            && fields.KeyMetadataArn?.Accessor.GetValue(metadata) is string { Length: > 0 } arn)
        {
            AddOnce(keys, arn);
        }

        foreach (var field in fields.KeyIds)
        {
            if (field.Accessor.GetValue(message) is string { Length: > 0 } id)
            {
                if (id.StartsWith("arn:", StringComparison.Ordinal) && id.Contains(":key/", StringComparison.Ordinal))
                {
                    AddOnce(keys, id);
                }
                else if (Domain.Operations.KeyReference.IsKeyId(id))
                {
                    AddOnce(keys, region.KeyArn(id));
                }
            }
        }
    }

    /// <summary>The message's fields by their JSON names, without byte fields, default values or unknown enum numbers.</summary>
    private static Dictionary<string, object?> Parameters(IMessage message)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in AuditedFields.Of(message.Descriptor).Recorded)
        {
            var value = field.Accessor.GetValue(message);
            object? converted = field switch
            {
                { IsMap: true } when value is MapField<string, string> map => map.Count == 0 ? null : CappedMap(map),
                { IsMap: true } => null,
                { IsRepeated: true } when value is System.Collections.IList list => list.Count == 0
                    ? null
                    : CappedList(list.Cast<object>().Take(MaxEntries + 1).Select(item => item is IMessage nested ? Flatten(nested) : EnumOrText(field, item)).ToList(),
                        list.Count),
                // Times as CloudTrail writes them, not as the message's seconds and nanos.
                { FieldType: FieldType.Message } when value is Google.Protobuf.WellKnownTypes.Timestamp time => Time(time),
                { FieldType: FieldType.Message } => value is IMessage nested ? Parameters(nested) is { Count: > 0 } inner ? inner : null : null,
                { FieldType: FieldType.Enum } => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0 ? null : EnumOrText(field, value),
                { FieldType: FieldType.Bool } => value is true ? true : null,
                { FieldType: FieldType.String } => value is string { Length: > 0 } text ? Capped(text) : null,
                _ => value is int or long && Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0 ? value : null,
            };
            if (converted is not null)
            {
                result[field.JsonName] = converted;
            }
        }

        return result;
    }

    /// <summary>A time as CloudTrail writes it; one outside what the type allows (the request is refused for it) as its parts.</summary>
    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp time) =>
        time.Seconds is >= -62_135_596_800 and <= 253_402_300_799 && time.Nanos is >= 0 and <= 999_999_999
            ? time.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"seconds={time.Seconds} nanos={time.Nanos} (not a valid time)");

    /// <summary>The text, or its first <see cref="MaxValueLength"/> characters and a marker saying how much was left out.</summary>
    private static string Capped(string text) =>
        text.Length <= MaxValueLength ? text : $"{text[..MaxValueLength]}...[{text.Length - MaxValueLength} more characters not recorded]";

    private static Dictionary<string, string> CappedMap(MapField<string, string> map)
    {
        var result = map.Take(MaxEntries).ToDictionary(p => Capped(p.Key), p => Capped(p.Value));
        if (map.Count > MaxEntries)
        {
            result["..."] = $"[{map.Count - MaxEntries} more entries not recorded]";
        }

        return result;
    }

    private static List<string> CappedList(List<string> items, int total)
    {
        var result = items.Take(MaxEntries).Select(Capped).ToList();
        if (total > MaxEntries)
        {
            result.Add($"...[{total - MaxEntries} more entries not recorded]");
        }

        return result;
    }

    private static string Flatten(IMessage nested) =>
        string.Join(",", Parameters(nested).Select(p => $"{p.Key}={p.Value}"));

    private static string EnumOrText(FieldDescriptor field, object? value)
    {
        if (field.FieldType != FieldType.Enum || value is null)
        {
            return value?.ToString() ?? string.Empty;
        }

        var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        var name = field.EnumType.FindValueByNumber(number)?.Name ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var prefix = string.Concat(field.EnumType.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? $"_{c}" : c.ToString())).ToUpperInvariant() + "_";
        return name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
    }
}
