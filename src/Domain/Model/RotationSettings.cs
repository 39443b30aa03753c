namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>Automatic rotation as configured on a key; shared by related multi-Region keys.</summary>
public sealed class RotationSettings
{
    public const int DefaultPeriodInDays = 365;
    public const int MinPeriodInDays = 90;
    public const int MaxPeriodInDays = 2560;

    public bool Enabled { get; internal set; }

    public int? PeriodInDays { get; internal set; }

    /// <summary>When the next automatic rotation is due; set while rotation is enabled.</summary>
    public DateTimeOffset? NextRotationDate { get; internal set; }

    /// <summary>When the last on-demand rotation started, as GetKeyRotationStatus reports it.</summary>
    public DateTimeOffset? OnDemandRotationStartDate { get; internal set; }
}
