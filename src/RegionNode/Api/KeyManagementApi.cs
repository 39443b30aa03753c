extern alias ServiceBases;

using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The public gRPC service: each method maps the request to a domain operation and the result back, nothing more.
/// Refusals unwind to <see cref="ErrorMappingInterceptor"/>. The methods are grouped by area in partial files.
/// </summary>
public sealed partial class KeyManagementApi(
    KeyLifecycleOperations lifecycle,
    RotationOperations rotation,
    ImportOperations imports,
    EncryptionOperations encryption,
    DataKeyOperations dataKeys,
    SigningOperations signing,
    MacOperations macs,
    AliasOperations aliases,
    TagOperations tags,
    PolicyOperations policies,
    MultiRegionOperations multiRegion,
    GrantOperations grants,
    RegionIdentity region) : ServiceBases::Grpc.Mrk.V1.KeyManagementService.KeyManagementServiceBase
{
    /// <summary>The principal <see cref="CallerAuthentication"/> put on the call; handed to every operation explicitly.</summary>
    private static Caller CallerOf(ServerCallContext context) => CallerAuthentication.CallerOf(context);
}
