using System.Security.Cryptography.X509Certificates;

namespace Grpc.Mrk.Identity;

/// <summary>Who a certificate names: its role and, for Region roles, the Region (subject O=Grpc.Mrk, OU=role, CN=name).</summary>
public sealed record PeerIdentity(ClusterRole Role, string Name)
{
    public const string Organization = "Grpc.Mrk";

    public static X500DistinguishedName Subject(ClusterRole role, string name) =>
        new($"CN={name}, OU={OrganizationalUnit(role)}, O={Organization}");

    public static string OrganizationalUnit(ClusterRole role) => role switch
    {
        ClusterRole.Region => "region",
        ClusterRole.ControlPlane => "controlplane",
        ClusterRole.Operator => "operator",
        ClusterRole.ReplicationSigning => "replication-signing",
        ClusterRole.User => "user",
        ClusterRole.Role => "role",
        ClusterRole.RelayLog => "relay-log",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>The identity in the subject, or null when the subject is not one of the cluster's.</summary>
    public static PeerIdentity? Of(X509Certificate2 certificate)
    {
        string? cn = null, ou = null, o = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                return null;
            }

            var value = rdn.GetSingleElementValue();
            switch (rdn.GetSingleElementType().Value)
            {
                case "2.5.4.3":
                    cn = cn is null ? value : null;
                    break;
                case "2.5.4.11":
                    ou = ou is null ? value : null;
                    break;
                case "2.5.4.10":
                    o = o is null ? value : null;
                    break;
            }
        }

        if (o != Organization || cn is null)
        {
            return null;
        }

        ClusterRole? role = ou switch
        {
            "region" => ClusterRole.Region,
            "controlplane" => ClusterRole.ControlPlane,
            "operator" => ClusterRole.Operator,
            "replication-signing" => ClusterRole.ReplicationSigning,
            "user" => ClusterRole.User,
            "role" => ClusterRole.Role,
            "relay-log" => ClusterRole.RelayLog,
            _ => null,
        };
        return role is { } r ? new PeerIdentity(r, cn) : null;
    }
}
