namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// One change of primary, signed by the Region that gave the role up: <see cref="PreviousPrimary"/>, primary of the
/// epoch before <see cref="Epoch"/>, names <see cref="NewPrimary"/> primary of <see cref="Epoch"/>, at the request of
/// <see cref="RequestedBy"/> (whose permission the new primary's Region checks against its own key's policy).
/// </summary>
public sealed record HandOff(long Epoch, string PreviousPrimary, string NewPrimary, byte[] Signature, string RequestedBy = "")
{
    /// <summary>
    /// Set on a break-glass promotion: an operator's signed order took the role from <see cref="PreviousPrimary"/>, which
    /// could not be reached; <see cref="Signature"/> is then the new primary's.
    /// </summary>
    public BreakGlassOrder? BreakGlass { get; init; }
}

/// <summary>An operator's order to promote a replica whose primary is lost, signed with the operator's cluster certificate's key.</summary>
public sealed record BreakGlassOrder(string Reason, DateTimeOffset IssuedAt, byte[] OperatorCertificate, byte[] OperatorSignature);

/// <summary>
/// The rule that keeps a compromised Region from taking over a key set: a Region that knows primary P at epoch e
/// accepts primary X at epoch E &gt; e only through hand-offs for every epoch e+1 .. E, the first given up by P, each
/// next given up by the one before it named, the last naming X, each signed by the Region that gave the role up, or,
/// for a break-glass promotion, by the Region that took it on an operator's signed order.
/// </summary>
public static class HandOffChain
{
    /// <summary>How many hand-offs a set carries; a Region further behind than this cannot follow and says so.</summary>
    public const int Kept = 64;

    /// <summary>Null when <paramref name="handOffs"/> lead from (<paramref name="epoch"/>, <paramref name="primary"/>) to
    /// (<paramref name="newEpoch"/>, <paramref name="newPrimary"/>); otherwise why not.</summary>
    public static string? Problem(string keyId, long epoch, string primary, long newEpoch, string newPrimary, IReadOnlyList<HandOff> handOffs,
        Func<string, HandOff, bool> verifies)
    {
        var current = primary;
        for (var next = epoch + 1; next <= newEpoch; next++)
        {
            var step = handOffs.FirstOrDefault(h => h.Epoch == next);
            if (step is null)
            {
                return $"no hand-off for epoch {next}: the primary of epoch {next - 1} never gave up the role";
            }

            if (step.PreviousPrimary != current)
            {
                return $"the hand-off for epoch {next} is given by {step.PreviousPrimary}, but {current} was primary of epoch {next - 1}";
            }

            if (!verifies(keyId, step))
            {
                return $"the hand-off for epoch {next} does not carry {step.PreviousPrimary}'s signature";
            }

            current = step.NewPrimary;
        }

        return current == newPrimary ? null : $"the hand-offs lead to {current}, not to {newPrimary}";
    }

    /// <summary>The hand-offs a set keeps after adding some: one per epoch, the newest <see cref="Kept"/>, oldest first.</summary>
    public static List<HandOff> Merge(IEnumerable<HandOff> known, IEnumerable<HandOff> added) =>
        known.Concat(added).GroupBy(h => h.Epoch).Select(g => g.Last()).OrderBy(h => h.Epoch).TakeLast(Kept).ToList();
}
