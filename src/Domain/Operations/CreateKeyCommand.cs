using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>A CreateKey request; null means the caller left the field out.</summary>
public sealed record CreateKeyCommand(
    string Policy,
    string Description,
    KeyUsage? KeyUsage,
    KeySpec? KeySpec,
    KeyOrigin? Origin,
    IReadOnlyList<Tag> Tags,
    bool MultiRegion,
    bool BypassPolicyLockoutSafetyCheck);
