namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The routing handle the public service is mapped under. Its methods are bound by
/// <see cref="StrictRequestMethodProvider"/>, so that a request which is not a valid protobuf message is refused as
/// ValidationException instead of surfacing from the framework as UNKNOWN.
/// </summary>
public sealed class KeyManagementEndpoint;
