using System.Text.RegularExpressions;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>Whether a principal is a person's or a workload's identity; it decides the ARN's resource type.</summary>
public enum PrincipalType
{
    User,
    Role,
}

/// <summary>
/// A caller this Region knows: arn:partition:iam::account:user/name or role/name, and its unique ID, which key policies
/// bind to (a principal created again under a deleted one's name gets a new ID).
/// </summary>
public sealed partial record Principal(string Arn, string Name, PrincipalType Type, DateTimeOffset CreatedAt, string PrincipalId)
{
    /// <summary>True for a user or role ARN (a principal that must exist, and is bound to its unique ID).</summary>
    public static bool IsNamedArn(string arn) => NamedArn().IsMatch(arn);

    /// <summary>A new unique ID in AWS's form: AIDA (users) or AROA (roles) and 17 characters of base32.</summary>
    public static string NewId(PrincipalType type)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var random = System.Security.Cryptography.RandomNumberGenerator.GetBytes(17);
        return (type == PrincipalType.User ? "AIDA" : "AROA") + new string(random.Select(b => alphabet[b % 32]).ToArray());
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/([A-Za-z0-9+=,.@_/-]+/)?[A-Za-z0-9+=,.@_-]{1,64}$")]
    private static partial Regex NamedArn();
}

/// <summary>
/// An API key of a principal, as stored: its public ID and a salted SHA-256 of its secret (the secret itself is shown
/// once, when the key is created, and never stored).
/// </summary>
public sealed record ApiKey(string KeyId, string PrincipalArn, byte[] Salt, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// An AWS-shaped access key of a principal: its ID (AKIA...) and its 40-character secret, stored wrapped under the
/// domain key (SigV4 needs the secret itself to check a signature, so a hash would not do).
/// </summary>
public sealed record AccessKey(string AccessKeyId, string PrincipalArn, byte[] WrappedSecret, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>What the secret is bound to when wrapped: it unwraps only as this access key's secret.</summary>
    public const string ProtectionOwner = "access-key";
}
