using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>What kind of identity a caller is; it decides which decisions apply to it.</summary>
public enum CallerType
{
    /// <summary>A principal of the account, decided by key policies and grants.</summary>
    Principal,

    /// <summary>An operator of the cluster: manages principals and reads the audit log, never a key's principal.</summary>
    Operator,

    /// <summary>The node's own work (maintenance, replication): not subject to key policies, never a caller of the API.</summary>
    System,
}

/// <summary>
/// Who asks for an operation, handed to the domain explicitly by the service that authenticated the call or by the
/// node's own background work. There is no ambient caller: an operation without one does not compile.
/// <see cref="PrincipalId"/> is the principal's unique ID (null for the account root and operators): a key policy
/// naming a principal's ARN matches only the principal of that ID.
/// </summary>
public sealed record Caller(string PrincipalArn, CallerType Type, string? PrincipalId = null)
{
    /// <summary>The name the node's own work goes by in audit records, as AWS names its service in CloudTrail.</summary>
    public const string SystemPrincipal = "kms.amazonaws.com";

    public static Caller System { get; } = new(SystemPrincipal, CallerType.System);

    /// <summary>Where the call came from (aws:SourceIp), when it came over the network.</summary>
    public string? SourceIp { get; init; }

    /// <summary>Whether the call came over TLS (aws:SecureTransport).</summary>
    public bool SecureTransport { get; init; }

    /// <summary>The audit record the call owes for its change, handed to the store with the change; null for the node's own work and for reads.</summary>
    public ICallRecord? Record { get; init; }

    public static Caller Principal(string arn, string? principalId = null) => new(arn, CallerType.Principal, principalId);

    public static Caller Operator(string arn) => new(arn, CallerType.Operator);
}

/// <summary>What a caller asks of a key's policy: the action (such as "kms:Encrypt") and the request's condition keys.</summary>
public sealed record Access(Caller Caller, string Action, Action<AccessRequest>? Context = null)
{
    public static Access For(Caller caller, string operation, Action<AccessRequest>? context = null) => new(caller, $"kms:{operation}", context);
}
