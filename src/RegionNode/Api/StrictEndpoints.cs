using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

// The routing handles the public services are mapped under. Their methods are bound by StrictMethodProvider, so a
// request that is not a valid protobuf message is refused as ValidationException instead of surfacing from the
// framework as UNKNOWN. The attribute and the two static members are how the framework's default binder and the
// reflection service find a service: the default binder gets nothing to bind here (the strict provider already bound
// every method), and reflection gets the descriptor.

[BindServiceMethod(typeof(KeyManagementEndpoint), nameof(BindService))]
public sealed class KeyManagementEndpoint
{
    public static ServiceDescriptor Descriptor => KeyManagementService.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, KeyManagementEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

[BindServiceMethod(typeof(AuditLogEndpoint), nameof(BindService))]
public sealed class AuditLogEndpoint
{
    public static ServiceDescriptor Descriptor => AuditLog.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, AuditLogEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

[BindServiceMethod(typeof(PrincipalAdminEndpoint), nameof(BindService))]
public sealed class PrincipalAdminEndpoint
{
    public static ServiceDescriptor Descriptor => PrincipalAdmin.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, PrincipalAdminEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}
