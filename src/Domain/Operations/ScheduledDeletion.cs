using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

public sealed record ScheduledDeletion(string KeyArn, DateTimeOffset? DeletionDate, KeyState KeyState, int PendingWindowInDays);
