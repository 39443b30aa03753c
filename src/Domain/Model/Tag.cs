namespace Grpc.Mrk.RegionNode.Domain.Model;

public sealed record Tag(string TagKey, string TagValue);
