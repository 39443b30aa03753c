namespace Grpc.Mrk.Identity;

/// <summary>What a cluster certificate lets its holder be (the OU of its subject).</summary>
public enum ClusterRole
{
    /// <summary>A RegionNode; the certificate's CN is its Region.</summary>
    Region,

    /// <summary>The ControlPlane.</summary>
    ControlPlane,

    /// <summary>A person or tool administering the cluster (for example `mrk cluster status`).</summary>
    Operator,

    /// <summary>A Region's replication signing key; never used for TLS.</summary>
    ReplicationSigning,

    /// <summary>A caller of the key API authenticating as the principal arn:...:user/&lt;CN&gt;.</summary>
    User,

    /// <summary>A caller of the key API authenticating as the principal arn:...:role/&lt;CN&gt; (a workload).</summary>
    Role,

    /// <summary>
    /// The replicated relay log (the NATS servers of a replicated ControlPlane, and the ControlPlanes as their clients);
    /// never a caller of any gRPC method.
    /// </summary>
    RelayLog,
}
