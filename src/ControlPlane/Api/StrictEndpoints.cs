using Grpc.Core;
using Grpc.Mrk.Internal.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Grpc.Mrk.ControlPlane.Api;

// The routing handles the ControlPlane's services are mapped under. Their methods are bound by StrictMethodProvider,
// so a frame or request that is not a valid protobuf message ends the call with INVALID_ARGUMENT instead of the
// framework's UNKNOWN. The default binder finds nothing to bind here (the strict provider already bound every method).

[BindServiceMethod(typeof(RelayEndpoint), nameof(BindService))]
public sealed class RelayEndpoint
{
    public static ServiceDescriptor Descriptor => Internal.V1.Relay.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, RelayEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}

[BindServiceMethod(typeof(ClusterAdminEndpoint), nameof(BindService))]
public sealed class ClusterAdminEndpoint
{
    public static ServiceDescriptor Descriptor => ClusterAdmin.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, ClusterAdminEndpoint? service)
    {
        // Intentionally empty: see above.
    }
}
