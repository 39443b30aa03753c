namespace Grpc.Mrk.RegionNode.Domain.Operations;

public sealed record RotationStatus(
    string KeyArn,
    bool Enabled,
    int? PeriodInDays,
    DateTimeOffset? NextRotationDate,
    DateTimeOffset? OnDemandRotationStartDate);
