using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Policies;

/// <summary>AWS's rule for a grant created by a grantee whose grant holds CreateGrant: a subset of its operations, constraints at least as strict.</summary>
public sealed class GrantSubsetRuleTests
{
    private static readonly Dictionary<string, string> Hr = new() { ["dept"] = "hr" };
    private static readonly Dictionary<string, string> HrPayroll = new() { ["dept"] = "hr", ["team"] = "payroll" };
    private static readonly Dictionary<string, string> Finance = new() { ["dept"] = "finance" };

    public static TheoryData<string, string, string[], string, bool> Cases => new()
    {
        // parent operations, parent constraint, child operations, child constraint, allowed
        { "Decrypt,CreateGrant", "none", ["Decrypt"], "none", true },
        { "Decrypt,CreateGrant", "none", ["Decrypt", "CreateGrant"], "none", true },
        { "Decrypt,CreateGrant", "none", ["Encrypt"], "none", false },
        { "Decrypt,CreateGrant", "none", ["Decrypt", "Encrypt"], "none", false },
        { "Decrypt", "none", ["Decrypt"], "none", false },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "none", false },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "subset:hr", true },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "subset:hr+payroll", true },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "equals:hr", true },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "equals:hr+payroll", true },
        { "Decrypt,CreateGrant", "subset:hr", ["Decrypt"], "subset:finance", false },
        { "Decrypt,CreateGrant", "subset:hr+payroll", ["Decrypt"], "subset:hr", false },
        { "Decrypt,CreateGrant", "equals:hr", ["Decrypt"], "equals:hr", true },
        { "Decrypt,CreateGrant", "equals:hr", ["Decrypt"], "equals:hr+payroll", false },
        { "Decrypt,CreateGrant", "equals:hr", ["Decrypt"], "subset:hr", false },
        { "Decrypt,CreateGrant", "equals:hr", ["Decrypt"], "none", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GrantThroughAGrant_SubsetOfOperations_ConstraintsAtLeastAsStrict(string parentOperations, string parentConstraint,
        string[] childOperations, string childConstraint, bool allowed)
    {
        var (parentSubset, parentEquals) = Constraint(parentConstraint);
        var parent = new Grant("g", "k", string.Empty, "arn:aws:iam::111122223333:user/bob", null, "111122223333",
            parentOperations.Split(',').Select(Enum.Parse<GrantOperation>).ToList(), parentSubset, parentEquals, DateTimeOffset.UnixEpoch);
        var (childSubset, childEquals) = Constraint(childConstraint);
        Assert.Equal(allowed, parent.Covers(childOperations.Select(Enum.Parse<GrantOperation>).ToList(), childSubset, childEquals));
    }

    private static (IReadOnlyDictionary<string, string>? Subset, IReadOnlyDictionary<string, string>? Exact) Constraint(string text)
    {
        if (text == "none")
        {
            return (null, null);
        }

        var (kind, pairs) = (text.Split(':')[0], text.Split(':')[1] switch { "hr" => Hr, "hr+payroll" => HrPayroll, _ => Finance });
        return kind == "subset" ? (pairs, null) : (null, pairs);
    }
}
