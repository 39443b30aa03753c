using Grpc.Core;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The routing handle the public service is mapped under. Its methods are bound by
/// <see cref="StrictRequestMethodProvider"/>, so that a request which is not a valid protobuf message is refused as
/// ValidationException instead of surfacing from the framework as UNKNOWN. The attribute and the two static members
/// below are how the framework's default binder and the reflection service find a service: the default binder gets
/// nothing to bind here (the strict provider already bound every method), and reflection gets the descriptor.
/// </summary>
[BindServiceMethod(typeof(KeyManagementEndpoint), nameof(BindService))]
public sealed class KeyManagementEndpoint
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => KeyManagementService.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, KeyManagementEndpoint? service)
    {
        // Intentionally empty: see the class summary.
    }
}
