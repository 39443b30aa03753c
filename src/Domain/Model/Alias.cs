namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>A friendly name for one key in this Region; <see cref="AliasName"/> includes "alias/".</summary>
public sealed record Alias(string AliasName, string TargetKeyId, DateTimeOffset CreationDate, DateTimeOffset LastUpdatedDate);
