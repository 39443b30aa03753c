namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>Whether a principal is a person's or a workload's identity; it decides the ARN's resource type.</summary>
public enum PrincipalType
{
    User,
    Role,
}

/// <summary>A caller this Region knows: arn:partition:iam::account:user/name or role/name.</summary>
public sealed record Principal(string Arn, string Name, PrincipalType Type, DateTimeOffset CreatedAt);

/// <summary>
/// An API key of a principal, as stored: its public ID and a salted SHA-256 of its secret (the secret itself is shown
/// once, when the key is created, and never stored).
/// </summary>
public sealed record ApiKey(string KeyId, string PrincipalArn, byte[] Salt, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
