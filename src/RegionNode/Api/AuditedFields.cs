using System.Collections.Concurrent;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// What an audit record reads of one message type, looked up once per type rather than by name on every call: the
/// fields that name keys (a key's metadata ARN; CreateAlias and UpdateAlias name theirs as target_key_id, which
/// CloudTrail lists as the resource) and the fields recorded as parameters (all but bytes, in field-number order).
/// </summary>
internal sealed class AuditedFields
{
    private static readonly string[] KeyIdFieldNames = ["source_key_id", "key_id", "target_key_id", "destination_key_id"];
    private static readonly ConcurrentDictionary<MessageDescriptor, AuditedFields> ByType = new();

    private AuditedFields(MessageDescriptor descriptor)
    {
        KeyMetadata = descriptor.FindFieldByName("key_metadata");
        KeyMetadataArn = KeyMetadata?.FieldType == FieldType.Message ? KeyMetadata.MessageType.FindFieldByName("arn") : null;
        KeyIds = [.. KeyIdFieldNames.Select(descriptor.FindFieldByName).OfType<FieldDescriptor>()];
        Recorded = [.. descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType != FieldType.Bytes)];
    }

    public FieldDescriptor? KeyMetadata { get; }

    public FieldDescriptor? KeyMetadataArn { get; }

    public IReadOnlyList<FieldDescriptor> KeyIds { get; }

    public IReadOnlyList<FieldDescriptor> Recorded { get; }

    public static AuditedFields Of(MessageDescriptor descriptor) => ByType.GetOrAdd(descriptor, static d => new AuditedFields(d));
}
