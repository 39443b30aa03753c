using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Grpc.Mrk.Cluster.Serving;

// The routing handles the servers map their services under, one per service. Their methods are bound by
// StrictMethodProvider, so a request or frame that is not a valid protobuf message is refused with the server's own
// refusal (ValidationException on the RegionNode, INVALID_ARGUMENT on the ControlPlane) instead of surfacing from the
// framework as UNKNOWN. The attribute and the two static members are how the framework's default binder and the
// reflection service find a service: the default binder gets nothing to bind here (the strict provider already bound
// every method), and reflection gets the descriptor.

/// <summary>The RegionNode's mrk.v1.KeyManagementService.</summary>
[BindServiceMethod(typeof(KeyManagementEndpoint), nameof(BindService))]
public sealed class KeyManagementEndpoint
{
    public static ServiceDescriptor Descriptor => KeyManagementService.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, KeyManagementEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

/// <summary>The RegionNode's mrk.v1.AuditLog.</summary>
[BindServiceMethod(typeof(AuditLogEndpoint), nameof(BindService))]
public sealed class AuditLogEndpoint
{
    public static ServiceDescriptor Descriptor => AuditLog.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, AuditLogEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

/// <summary>The RegionNode's mrk.admin.v1.PrincipalAdmin.</summary>
[BindServiceMethod(typeof(PrincipalAdminEndpoint), nameof(BindService))]
public sealed class PrincipalAdminEndpoint
{
    public static ServiceDescriptor Descriptor => PrincipalAdmin.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, PrincipalAdminEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

/// <summary>The RegionNode's mrk.admin.v1.RegionAdmin.</summary>
[BindServiceMethod(typeof(RegionAdminEndpoint), nameof(BindService))]
public sealed class RegionAdminEndpoint
{
    public static ServiceDescriptor Descriptor => RegionAdmin.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, RegionAdminEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

/// <summary>The ControlPlane's mrk.internal.v1.Relay.</summary>
[BindServiceMethod(typeof(RelayEndpoint), nameof(BindService))]
public sealed class RelayEndpoint
{
    public static ServiceDescriptor Descriptor => Relay.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, RelayEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

/// <summary>The ControlPlane's mrk.internal.v1.ClusterAdmin.</summary>
[BindServiceMethod(typeof(ClusterAdminEndpoint), nameof(BindService))]
public sealed class ClusterAdminEndpoint
{
    public static ServiceDescriptor Descriptor => ClusterAdmin.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, ClusterAdminEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}
