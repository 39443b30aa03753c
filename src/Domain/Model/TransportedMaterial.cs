namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>One material version as it travels: its ID, and its material encrypted under the one-time wrapping key.</summary>
public sealed record TransportedMaterial(string MaterialId, byte[] Nonce, byte[] Ciphertext);
