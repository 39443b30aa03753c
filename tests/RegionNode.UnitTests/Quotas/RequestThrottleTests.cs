using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Quotas;

public sealed class RequestThrottleTests
{
    private static readonly Caller Alice = Caller.Principal("arn:aws:iam::111122223333:user/alice", "AIDAALICE");
    private static readonly Caller Bob = Caller.Principal("arn:aws:iam::111122223333:user/bob", "AIDABOB");
    private static readonly Caller Stranger = Caller.Principal("arn:aws:iam::444455556666:role/stranger", "AROASTRANGER");

    [Fact]
    public void AnAccountOverAQuota_IsThrottled_WithWhenToTryAgain_WhileAnotherAccountIsNot()
    {
        var clock = new FakeTimeProvider();
        var throttle = new RequestThrottle(Settings(("CreateKey", 2)), clock);
        var createKey = RequestQuotaCatalog.Operations["CreateKey"];
        throttle.Charge(Alice, createKey);
        throttle.Charge(Bob, createKey);

        // Principals of one account share its quota; another account has its own, and the node's own work none.
        var refusal = Assert.Throws<KmsException>(() => throttle.Charge(Alice, createKey));
        Assert.Equal("ThrottlingException", refusal.ErrorCode);
        Assert.Equal("Rate exceeded", refusal.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(500), refusal.RetryAfter);
        throttle.Charge(Stranger, createKey);
        for (var i = 0; i < 100; i++)
        {
            throttle.Charge(Caller.System, createKey);
        }

        clock.Advance(TimeSpan.FromMilliseconds(500));
        throttle.Charge(Bob, createKey);
        Assert.Throws<KmsException>(() => throttle.Charge(Bob, createKey));
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, "Symmetric")]
    [InlineData(KeySpec.HMAC_256, "Symmetric")]
    [InlineData(KeySpec.RSA_3072, "Rsa")]
    [InlineData(KeySpec.ECC_NIST_P256, "Ecc")]
    [InlineData(KeySpec.ECC_SECG_P256K1, "Ecc")]
    [InlineData(KeySpec.ML_DSA_65, "Ecc")]
    public void CryptographicUses_DrawOnTheSharedQuotaOfTheKeysType(KeySpec spec, string quota)
    {
        var throttle = new RequestThrottle(Settings(("Symmetric", 1), ("Rsa", 1), ("Ecc", 1)), new FakeTimeProvider());
        throttle.ChargeKeyUse(Alice, "kms:Encrypt", spec);
        Assert.Throws<KmsException>(() => throttle.ChargeKeyUse(Alice, "kms:Verify", spec));

        // The other types' quotas are untouched, and a management action on the key draws on none of them.
        foreach (var other in new[] { KeySpec.SYMMETRIC_DEFAULT, KeySpec.RSA_2048, KeySpec.ECC_NIST_P384 }
                     .Where(s => RequestQuotaCatalog.CryptographicFor(s).Setting != quota))
        {
            throttle.ChargeKeyUse(Alice, "kms:Decrypt", other);
        }

        for (var i = 0; i < 10; i++)
        {
            throttle.ChargeKeyUse(Alice, "kms:DescribeKey", spec);
        }
    }

    public static TheoryData<string> EveryQuota() => [.. RequestQuotaCatalog.All.Select(q => q.Setting)];

    [Theory]
    [MemberData(nameof(EveryQuota))]
    public void EveryQuota_AtItsAwsDefault_AdmitsOneSecondOfRequests_RefusesTheNext_AndRefillsAtItsRate(string setting)
    {
        var clock = new FakeTimeProvider();
        var throttle = new RequestThrottle(RequestQuotaSettings.AwsDefaults, clock);
        var quota = RequestQuotaCatalog.All.Single(q => q.Setting == setting);
        for (var i = 0; i < quota.Burst; i++)
        {
            throttle.Charge(Alice, quota);
        }

        var refusal = Assert.Throws<KmsException>(() => throttle.Charge(Alice, quota));
        Assert.InRange(refusal.RetryAfter!.Value.TotalSeconds, (1 / quota.PerSecond) - 0.001, (1 / quota.PerSecond) + 0.001);
        clock.Advance(refusal.RetryAfter.Value);
        throttle.Charge(Alice, quota);
        Assert.Throws<KmsException>(() => throttle.Charge(Alice, quota));
    }

    [Fact]
    public void Off_ChargesNothing()
    {
        var throttle = new RequestThrottle(RequestQuotaSettings.Off, new FakeTimeProvider());
        Assert.False(throttle.Enabled);
        Assert.Empty(throttle.Quotas);
        for (var i = 0; i < 1000; i++)
        {
            throttle.Charge(Alice, RequestQuotaCatalog.DataKeyPairs[DataKeyPairSpec.RSA_4096]);
        }
    }

    [Fact]
    public void TheDefaults_AreAwssAndASettingChangesOnlyItsQuota()
    {
        var throttle = new RequestThrottle(Settings(("createkey", 50)), new FakeTimeProvider());
        var rates = throttle.Quotas.ToDictionary(q => q.Setting, q => q.PerSecond);
        Assert.Equal(50, rates["CreateKey"]);
        Assert.Equal(10_000, rates["Symmetric"]);
        Assert.Equal(500, rates["Rsa"]);
        Assert.Equal(300, rates["Ecc"]);
        Assert.Equal(5, rates["ReplicateKey"]);
        Assert.Equal(2_000, rates["DescribeKey"]);
        Assert.Equal(0.25, rates["GetParametersForImport"]);
        Assert.Equal(0.1, rates["GenerateDataKeyPair_RSA_4096"]);
        Assert.Equal(RequestQuotaCatalog.All.Count(), rates.Count);
    }

    [Theory]
    [InlineData("CreateKeys", 5, "'CreateKeys' is not a request quota")]
    [InlineData("CreateKey", 0, "must be a number of requests per second above 0")]
    [InlineData("Symmetric", -3, "must be a number of requests per second above 0")]
    [InlineData("Symmetric", double.NaN, "must be a number of requests per second above 0")]
    public void AMisspeltQuotaOrANonsenseRate_IsRefused_EvenWhenQuotasAreOff(string setting, double rate, string message)
    {
        foreach (var enabled in new[] { true, false })
        {
            var refusal = Assert.Throws<ArgumentException>(() =>
                new RequestThrottle(new RequestQuotaSettings(enabled, new Dictionary<string, double> { [setting] = rate }), TimeProvider.System));
            Assert.Contains(message, refusal.Message, StringComparison.Ordinal);
        }
    }

    private static RequestQuotaSettings Settings(params (string Setting, double Rate)[] rates) =>
        new(true, rates.ToDictionary(r => r.Setting, r => r.Rate));
}
