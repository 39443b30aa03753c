namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>A Region seen within this is perhaps only between two connections: a break-glass promotion away from it waits.</summary>
public sealed record PromotionGrace(TimeSpan Within);
