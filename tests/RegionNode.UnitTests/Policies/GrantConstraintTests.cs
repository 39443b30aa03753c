using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Policies;

/// <summary>EncryptionContextSubset and EncryptionContextEquals as AWS defines them, and CreateGrant's idempotency test.</summary>
public sealed class GrantConstraintTests
{
    private static Grant With(Dictionary<string, string>? subset = null, Dictionary<string, string>? equals = null) =>
        new(new string('a', 64), "key", "name", "arn:aws:iam::111122223333:user/bob", null, "111122223333", [GrantOperation.Decrypt],
            subset, equals, DateTimeOffset.UnixEpoch);

    public static TheoryData<string, string?, string?, string, bool> Cases => new()
    {
        { "no constraint, no context", null, null, "", true },
        { "no constraint, any context", null, null, "a=1", true },
        { "subset, exact", "a=1", null, "a=1", true },
        { "subset, more pairs", "a=1", null, "a=1,b=2", true },
        { "subset, other value", "a=1", null, "a=2", false },
        { "subset, missing pair", "a=1,b=2", null, "a=1", false },
        { "subset, no context", "a=1", null, "", false },
        { "subset, key case does not matter (AWS: constraint keys are case-insensitive)", "a=1", null, "A=1", true },
        { "subset, value case matters", "a=x", null, "a=X", false },
        { "equals, key case does not matter", null, "Dept=hr", "dept=hr", true },
        { "equals, exact", null, "a=1,b=2", "b=2,a=1", true },
        { "equals, extra pair", null, "a=1", "a=1,b=2", false },
        { "equals, missing pair", null, "a=1,b=2", "a=1", false },
        { "equals, other value", null, "a=1", "a=9", false },
        { "equals, no context", null, "a=1", "", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Admits(string name, string? subset, string? equals, string context, bool expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, With(Map(subset), Map(equals)).Admits(Map(context) ?? []));
    }

    [Fact]
    public void SameAs_IgnoresOperationOrderAndEmptyConstraints_NotOtherFields()
    {
        var a = With() with { Operations = [GrantOperation.Encrypt, GrantOperation.Decrypt] };
        Assert.True(a.SameAs(a with { GrantId = new string('b', 64), Operations = [GrantOperation.Decrypt, GrantOperation.Encrypt], EncryptionContextSubset = new Dictionary<string, string>() }));
        Assert.False(a.SameAs(a with { GranteePrincipal = "arn:aws:iam::111122223333:user/eve" }));
        Assert.False(a.SameAs(a with { EncryptionContextEquals = new Dictionary<string, string> { ["a"] = "1" } }));
        Assert.False(a.SameAs(a with { Operations = [GrantOperation.Decrypt] }));
    }

    private static Dictionary<string, string>? Map(string? pairs) =>
        string.IsNullOrEmpty(pairs) ? null : pairs.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
}
