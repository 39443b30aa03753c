using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Break-glass promotion of a replica whose primary's Region is lost, where UpdatePrimaryRegion (which the primary
/// carries out) cannot run. Three things must hold, each checked by someone else than the Region promoted: an operator
/// signed the order (every Region checks the signature before it follows), the old primary's Region is unreachable
/// (the ControlPlane, which sees every Region's connection), and no other replica was promoted out of the same epoch
/// (the ControlPlane records one claim per set and epoch). The new primary starts the next epoch with a hand-off it
/// signs and that carries the order; the old primary, when it comes back, follows the hand-off and becomes a replica.
/// </summary>
public sealed class BreakGlassOperations(KeyChanges changes, IReplicationChannel channel, SharedStateSync sync, IAuditSink audit, RegionIdentity region)
{
    /// <summary>The set of <paramref name="keyId"/> as this Region knows it.</summary>
    public async Task<KmsKey> DescribeSetAsync(string keyId, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(keyId, "keyId", 1, 2048);
        using var change = await changes.OpenForReplicationAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = change.Key ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        return key.MultiRegion is null ? throw KmsErrors.Unsupported($"{key.Arn} is not a multi-Region key.") : key;
    }

    public async Task<KmsKey> PromoteAsync(Caller caller, string keyId, long epoch, string previousPrimary, BreakGlassOrder order,
        CancellationToken cancellationToken)
    {
        ParameterChecks.Length(keyId, "keyId", 1, 2048);
        ParameterChecks.RegionName(previousPrimary, "previousPrimary");
        using var change = await changes.OpenAsync(keyId, caller, cancellationToken).ConfigureAwait(false);
        var key = change.Key ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        if (key.MultiRegion is not { } mr)
        {
            throw KmsErrors.Unsupported($"{key.Arn} is not a multi-Region key.");
        }

        if (key.IsPrimary)
        {
            throw KmsErrors.Unsupported($"{key.Arn} is already the primary key of its set.");
        }

        if (mr.PrimaryRegion != previousPrimary || mr.Epoch + 1 != epoch)
        {
            throw KmsErrors.Conflict(
                $"The order takes the role from {previousPrimary} for epoch {epoch}, but this Region knows {mr.PrimaryRegion} as primary of epoch {mr.Epoch}: "
                + "describe the set again and sign a new order.");
        }

        KeyStateRules.Check(KeyOperation.UpdatePrimaryRegion, key.State, key.Arn);
        var handOff = channel.SignBreakGlass(keyId, epoch, previousPrimary, caller.PrincipalArn, order);
        if (channel.BreakGlassProblem(keyId, handOff) is { } forged)
        {
            throw KmsErrors.AccessDeniedTo($"the break-glass order is refused: {forged}");
        }

        if (await channel.ClaimPromotionAsync(keyId, mr.Epoch, previousPrimary, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            throw KmsErrors.InvalidStateBecause($"The break-glass promotion of {key.Arn} is refused: {refused}");
        }

        key.TakeOverBreakGlass(handOff);
        await change.SaveAsync(sync.Broadcast(key), cancellationToken).ConfigureAwait(false);
        audit.Record(Promoted(key.Arn, handOff));
        return key;
    }

    /// <summary>The record every Region writes when it follows a break-glass promotion (the promoted one when it makes it).</summary>
    public static AuditEvent Promoted(string keyArn, HandOff handOff) => AuditEvent.Internal("BreakGlassPromotion", keyArn, new Dictionary<string, object?>
    {
        ["previousPrimary"] = handOff.PreviousPrimary, ["primaryRegion"] = handOff.NewPrimary, ["epoch"] = handOff.Epoch,
        ["reason"] = handOff.BreakGlass?.Reason, ["orderedBy"] = handOff.RequestedBy, ["issuedAt"] = handOff.BreakGlass?.IssuedAt,
    });
}
