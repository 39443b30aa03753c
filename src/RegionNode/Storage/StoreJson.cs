using System.Text.Json.Serialization;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Source-generated JSON for the few list-valued columns.</summary>
[JsonSerializable(typeof(List<Tag>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class StoreJson : JsonSerializerContext;
