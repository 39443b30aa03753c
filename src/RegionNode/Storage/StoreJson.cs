using System.Text.Json.Serialization;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Source-generated JSON for the few list- and record-valued columns.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<Tag>))]
[JsonSerializable(typeof(Dictionary<string, StoredReplicaProgress>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<HandOff>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class StoreJson : JsonSerializerContext;
