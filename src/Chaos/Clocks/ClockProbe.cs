using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Clocks;

/// <summary>
/// Keys placed in a Region just before its clock moves, each with a date that the move may or may not pass: a deletion
/// seven days out, an import token's 24 hours, imported material valid for two days, an automatic rotation 90 days out.
/// Read while the clock is moved and again once it is true: whatever the Region's clock passed is carried out (within
/// <see cref="Slack"/>), nothing it did not pass is, and nothing carried out is undone or done again when the clock
/// goes back.
/// </summary>
public sealed class ClockProbe
{
    /// <summary>Dates this close to the Region's time either way are not judged: two maintenance passes and a clock reread.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly ChaosCluster _cluster;
    private readonly RegionClocks _clocks;
    private readonly RunFigures _figures;
    private readonly string _region;
    private readonly ICollection<DueAction> _expected;

    private string? _deleting;
    private DateTimeOffset _deletionDate;
    private Token? _token;
    private string? _expiring;
    private DateTimeOffset _materialValidTo;
    private string? _rotating;
    private int _rotations;

    private bool _deleted;
    private bool _tokenRefused;
    private bool _materialExpired;

    /// <summary>An import token issued while the clock was set back: its 24 hours may end before the true time.</summary>
    private Token? _issuedWhileBack;

    private ClockProbe(ChaosCluster cluster, RegionClocks clocks, RunFigures figures, string region, ICollection<DueAction> expected) =>
        (_cluster, _clocks, _figures, _region, _expected) = (cluster, clocks, figures, region, expected);

    private sealed record Token(string KeyId, ByteString Value, byte[] PublicKey, DateTimeOffset ValidTo);

    /// <summary>
    /// Places the probe keys in <paramref name="region"/>; null and why when the Region could not take them. The due actions its
    /// audit log must show are added to <paramref name="expected"/>.
    /// </summary>
    public static async Task<(ClockProbe? Probe, string? Problem)> PlaceAsync(ChaosCluster cluster, RegionClocks clocks, RunFigures figures, string region,
        ICollection<DueAction> expected)
    {
        var probe = new ClockProbe(cluster, clocks, figures, region, expected);
        try
        {
            await probe.PlaceAsync().ConfigureAwait(false);
            return (probe, null);
        }
        catch (Exception e) when (e is MrkException or OperationCanceledException or TimeoutException)
        {
            return (null, $"{region}: {e.Message}");
        }
    }

    private async Task PlaceAsync()
    {
        _deleting = await CreateAsync(OriginType.AwsKms).ConfigureAwait(false);
        _deletionDate = (await CallAsync((kms, o) => kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = _deleting, PendingWindowInDays = 7 }, o))
            .ConfigureAwait(false)).DeletionDate.ToDateTimeOffset();
        _token = await TokenAsync(await CreateAsync(OriginType.External).ConfigureAwait(false)).ConfigureAwait(false);

        _expiring = await CreateAsync(OriginType.External).ConfigureAwait(false);
        var material = await TokenAsync(_expiring).ConfigureAwait(false);
        _materialValidTo = DateTimeOffset.FromUnixTimeSeconds((_clocks.Now(_region) + TimeSpan.FromDays(2)).ToUnixTimeSeconds());
        await ImportAsync(material, _materialValidTo).ConfigureAwait(false);

        _rotating = await CreateAsync(OriginType.AwsKms).ConfigureAwait(false);
        await CallAsync((kms, o) => kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = _rotating, RotationPeriodInDays = 90 }, o)).ConfigureAwait(false);
        await CallAsync((kms, o) => kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = _rotating }, o)).ConfigureAwait(false);
        _rotations = 1;
    }

    /// <summary>While the clock is moved: what it passed has been carried out, what it did not pass has not.</summary>
    public async Task CheckMovedAsync()
    {
        var now = _clocks.Now(_region);
        var deletionPassed = Passed(_deletionDate, now);
        if (deletionPassed is not null)
        {
            var state = await StateAsync(_deleting!).ConfigureAwait(false);
            _deleted = state == "NotFoundException";
            _figures.Check("clock: a scheduled deletion is carried out once the Region's clock passes its date, and not before",
                (deletionPassed.Value ? _deleted : state == nameof(KeyState.PendingDeletion)) ? null
                    : $"{_region} at {now:O}: {_deleting} due {_deletionDate:O} is {state}");
            if (_deleted)
            {
                _expected.Add(new DueAction(_region, "DeleteKey", _deleting!, _deletionDate, _deletionDate, now + Slack));
            }
        }

        var tokenPassed = Passed(_token!.ValidTo, now);
        if (tokenPassed is not null)
        {
            var refusal = await ImportRefusalAsync(_token, now + TimeSpan.FromDays(30)).ConfigureAwait(false);
            _tokenRefused = refusal is not null;
            _figures.Check("clock: an import token is refused once the Region's clock passes its 24 hours, and accepted before",
                tokenPassed.Value ? refusal == ExpiredTokenAnswer(_token, now) ? null : $"{_region} at {now:O}: token valid to {_token.ValidTo:O} answered {refusal ?? "success"}"
                : refusal is null ? null : $"{_region} at {now:O}: token valid to {_token.ValidTo:O} answered {refusal}");
        }

        var materialPassed = Passed(_materialValidTo, now);
        if (materialPassed is not null)
        {
            var state = await StateAsync(_expiring!).ConfigureAwait(false);
            _materialExpired = state == nameof(KeyState.PendingImport);
            _figures.Check("clock: imported material is deleted once the Region's clock passes its ValidTo, and not before",
                (materialPassed.Value ? _materialExpired : state == nameof(KeyState.Enabled)) ? null
                    : $"{_region} at {now:O}: {_expiring} valid to {_materialValidTo:O} is {state}");
            if (_materialExpired)
            {
                _expected.Add(new DueAction(_region, "DeleteExpiredKeyMaterial", _expiring!, _materialValidTo, _materialValidTo, now + Slack));
            }
        }

        if (_clocks.Offset(_region) < TimeSpan.Zero)
        {
            _issuedWhileBack = await TokenAsync(await CreateAsync(OriginType.External).ConfigureAwait(false)).ConfigureAwait(false);
        }

        await CheckRotationsAsync("while moved").ConfigureAwait(false);
    }

    /// <summary>Once the clock is true again: nothing carried out is undone, nothing is done twice, no token comes back.</summary>
    public async Task CheckTrueAgainAsync()
    {
        var deletion = await StateAsync(_deleting!).ConfigureAwait(false);
        _figures.Check("clock: a clock set back neither revives a deleted key nor moves a scheduled deletion",
            _deleted ? deletion == "NotFoundException" ? null : $"{_region}: {_deleting}, deleted, is {deletion} again"
            : deletion == nameof(KeyState.PendingDeletion) && await DeletionDateAsync(_deleting!).ConfigureAwait(false) == _deletionDate ? null
            : $"{_region}: {_deleting} due {_deletionDate:O} is {deletion}");

        if (_tokenRefused)
        {
            var refusal = await ImportRefusalAsync(_token!, _clocks.Now(_region) + TimeSpan.FromDays(30)).ConfigureAwait(false);
            _figures.Check("clock: a clock set back never revives an expired import token",
                refusal is "ExpiredImportTokenException" or "InvalidImportTokenException" ? null : $"{_region}: the expired token answered {refusal ?? "success"}");
        }

        if (_materialExpired)
        {
            var state = await StateAsync(_expiring!).ConfigureAwait(false);
            _figures.Check("clock: a clock set back never brings expired material back",
                state == nameof(KeyState.PendingImport) ? null : $"{_region}: {_expiring} is {state} again");
        }

        if (_issuedWhileBack is not null && Passed(_issuedWhileBack.ValidTo, _clocks.Now(_region)) is { } passed)
        {
            var refusal = await ImportRefusalAsync(_issuedWhileBack, _clocks.Now(_region) + TimeSpan.FromDays(30)).ConfigureAwait(false);
            _figures.Check("clock: an import token issued while the clock was set back lasts 24 hours of that clock, no longer",
                passed == (refusal == "ExpiredImportTokenException") && (passed || refusal is null) ? null
                    : $"{_region}: token valid to {_issuedWhileBack.ValidTo:O} answered {refusal ?? "success"} at {_clocks.Now(_region):O}");
        }

        await CheckRotationsAsync("once true again").ConfigureAwait(false);
    }

    /// <summary>The rotation placed before the move stays the only one: 90 days is beyond every jump drawn, and a clock set back re-runs nothing.</summary>
    private async Task CheckRotationsAsync(string when)
    {
        var rotations = await CallAsync((kms, o) => kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = _rotating! }, o)).ConfigureAwait(false);
        _figures.Check("clock: no rotation runs early or twice when a clock jumps",
            rotations.Rotations.Count == _rotations ? null : $"{_region} {when}: {_rotating} has {rotations.Rotations.Count} rotations, expected {_rotations}");
    }

    /// <summary>
    /// How an import with an expired token is refused: ExpiredImportTokenException, and InvalidImportTokenException
    /// once the token is also past the week the Region remembers expired tokens for (ImportOperations.ExpiredTokenMemory).
    /// </summary>
    private static string ExpiredTokenAnswer(Token token, DateTimeOffset now) =>
        token.ValidTo + TimeSpan.FromDays(7) < now - Slack ? "InvalidImportTokenException" : "ExpiredImportTokenException";

    /// <summary>True when <paramref name="date"/> is well behind <paramref name="now"/>, false when well ahead, null when too close to judge.</summary>
    private static bool? Passed(DateTimeOffset date, DateTimeOffset now) =>
        date < now - Slack ? true : date > now + Slack ? false : null;

    private async Task<string> CreateAsync(OriginType origin) =>
        (await CallAsync((kms, o) => kms.CreateKeyAsync(new CreateKeyRequest { Origin = origin, Description = "clock probe" }, o)).ConfigureAwait(false))
        .KeyMetadata.KeyId;

    private async Task<Token> TokenAsync(string keyId)
    {
        var parameters = await CallAsync((kms, o) => kms.GetParametersForImportAsync(new GetParametersForImportRequest
        {
            KeyId = keyId, WrappingAlgorithm = AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec = WrappingKeySpec.Rsa2048,
        }, o)).ConfigureAwait(false);
        return new Token(keyId, parameters.ImportToken, parameters.PublicKey.ToByteArray(), parameters.ParametersValidTo.ToDateTimeOffset());
    }

    private Task<ImportKeyMaterialResponse> ImportAsync(Token token, DateTimeOffset validTo)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(token.PublicKey, out _);
        var wrapped = rsa.Encrypt(RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA256);
        return CallAsync((kms, o) => kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = token.KeyId, ImportToken = token.Value, EncryptedKeyMaterial = ByteString.CopyFrom(wrapped),
            ExpirationModel = ExpirationModelType.KeyMaterialExpires, ValidTo = Timestamp.FromDateTimeOffset(validTo),
        }, o));
    }

    /// <summary>The AWS error an import with <paramref name="token"/> is refused with, or null when it is accepted.</summary>
    private async Task<string?> ImportRefusalAsync(Token token, DateTimeOffset validTo)
    {
        try
        {
            await ImportAsync(token, DateTimeOffset.FromUnixTimeSeconds(validTo.ToUnixTimeSeconds())).ConfigureAwait(false);
            return null;
        }
        catch (MrkException e)
        {
            return e.ErrorCode;
        }
    }

    /// <summary>The key's state, or the AWS error DescribeKey answers (NotFoundException once it is deleted).</summary>
    private async Task<string> StateAsync(string keyId)
    {
        try
        {
            return (await CallAsync((kms, o) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o)).ConfigureAwait(false)).KeyMetadata.KeyState.ToString();
        }
        catch (MrkException e)
        {
            return e.ErrorCode;
        }
    }

    private async Task<DateTimeOffset?> DeletionDateAsync(string keyId) =>
        (await CallAsync((kms, o) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o)).ConfigureAwait(false)).KeyMetadata.DeletionDate?.ToDateTimeOffset();

    private async Task<T> CallAsync<T>(Func<KeyManagementService.KeyManagementServiceClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> call)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        return await _cluster.Client(_region).CallAsync(call, timeout.Token).ConfigureAwait(false);
    }
}

/// <summary>A due action a Region's audit log must record once, with a clock time between <paramref name="Earliest"/> and <paramref name="Latest"/>.</summary>
public sealed record DueAction(string Region, string EventName, string KeyId, DateTimeOffset DueDate, DateTimeOffset Earliest, DateTimeOffset Latest);
