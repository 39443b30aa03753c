using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.V1;
using Grpc.Net.Client;
using Polly;
using Polly.Retry;

namespace Grpc.Mrk.Client;

/// <summary>
/// A RegionNode client: the generated stub with a deadline on every call, retries on transient failures, failover of
/// read-only and cryptographic calls to other Regions (<see cref="MrkClientOptions.Failover"/>), and refusals surfaced
/// as <see cref="MrkException"/> carrying AWS's exception name.
/// </summary>
public sealed class MrkClient : IDisposable
{
    private readonly MrkClientOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly List<Target> _targets;

    /// <param name="endpoint">The preferred RegionNode.</param>
    /// <param name="options">Deadlines, retries, trust, and other Regions to fail over to.</param>
    public MrkClient(Uri endpoint, MrkClientOptions? options = null)
    {
        _options = options ?? new MrkClientOptions();
        _targets = [Connect(null, endpoint), .. _options.Failover.Select(f => Connect(f.Region, f.Endpoint))];
        Kms = _targets[0].Kms;
        var retries = new ResiliencePipelineBuilder();
        if (_options.MaxThrottleRetries > 0)
        {
            // Throttled: refused before anything was done. Back off with jitter, so callers throttled together do
            // not return together, and never sooner than the node said its quota admits a request again.
            retries.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(MrkErrors.IsThrottled),
                MaxRetryAttempts = _options.MaxThrottleRetries,
                Delay = _options.ThrottleRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                DelayGenerator = args => ValueTask.FromResult(ThrottleDelay(args.Outcome.Exception, args.AttemptNumber, _options.ThrottleRetryDelay)),
            });
        }

        if (_options.MaxRetries > 0)
        {
            retries.AddRetry(new RetryStrategyOptions
            {
                // UNAVAILABLE means the node could not be reached, so the request was not carried out.
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        _retry = retries.Build();
    }

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1 after a throttled call: exponential from
    /// <paramref name="first"/> with jitter (0.5 to 1.5 times), and at least what the node asked for.
    /// </summary>
    internal static TimeSpan? ThrottleDelay(Exception? refusal, int attempt, TimeSpan first)
    {
        var backoff = first * Math.Pow(2, Math.Min(attempt, 10)) * (0.5 + (System.Security.Cryptography.RandomNumberGenerator.GetInt32(1001) / 1000.0));
        return refusal is RpcException e && MrkErrors.RetryDelayOf(e) is { } asked && asked > backoff ? asked : backoff;
    }

    /// <summary>The generated stub, for callers that manage deadlines themselves.</summary>
    public KeyManagementService.KeyManagementServiceClient Kms { get; }

    /// <summary>Runs one call on the preferred endpoint with a fresh deadline per attempt; refusals become <see cref="MrkException"/>.</summary>
    public Task<TResponse> CallAsync<TResponse>(
        Func<KeyManagementService.KeyManagementServiceClient, CallOptions, AsyncUnaryCall<TResponse>> call,
        CancellationToken cancellationToken = default) =>
        RunAsync((target, options) => call(target.Kms, options), failover: false, cancellationToken);

    /// <summary>Calls any unary method of the API by its descriptor (the CLI uses this to cover every RPC); read-only and crypto calls fail over.</summary>
    public Task<IMessage> InvokeAsync(MethodDescriptor method, IMessage request, CancellationToken cancellationToken = default)
    {
        var unary = DynamicMethods.For(method);
        return RunAsync((target, options) => target.Invoker.AsyncUnaryCall(unary, null, options, RegionFailover.Retarget(request, target.Region)),
            RegionFailover.Allows(method), cancellationToken);
    }

    public Task<EncryptResponse> EncryptAsync(EncryptRequest request, CancellationToken cancellationToken = default) =>
        FailoverAsync(request, (c, r, o) => c.EncryptAsync(r, o), cancellationToken);

    public Task<DecryptResponse> DecryptAsync(DecryptRequest request, CancellationToken cancellationToken = default) =>
        FailoverAsync(request, (c, r, o) => c.DecryptAsync(r, o), cancellationToken);

    public Task<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.CreateKeyAsync(request, o), cancellationToken);

    public Task<DescribeKeyResponse> DescribeKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        FailoverAsync(new DescribeKeyRequest { KeyId = keyId }, (c, r, o) => c.DescribeKeyAsync(r, o), cancellationToken);

    public Task<SignResponse> SignAsync(SignRequest request, CancellationToken cancellationToken = default) =>
        FailoverAsync(request, (c, r, o) => c.SignAsync(r, o), cancellationToken);

    public Task<VerifyResponse> VerifyAsync(VerifyRequest request, CancellationToken cancellationToken = default) =>
        FailoverAsync(request, (c, r, o) => c.VerifyAsync(r, o), cancellationToken);

    public Task<GenerateDataKeyResponse> GenerateDataKeyAsync(GenerateDataKeyRequest request, CancellationToken cancellationToken = default) =>
        FailoverAsync(request, (c, r, o) => c.GenerateDataKeyAsync(r, o), cancellationToken);

    private Task<TResponse> FailoverAsync<TRequest, TResponse>(TRequest request,
        Func<KeyManagementService.KeyManagementServiceClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken)
        where TRequest : IMessage =>
        RunAsync((target, options) => call(target.Kms, RegionFailover.Retarget(request, target.Region), options), failover: true, cancellationToken);

    /// <summary>
    /// The preferred endpoint with retries; when it stays unreachable and <paramref name="failover"/> allows, the
    /// next Region, and so on. A refusal (any status but UNAVAILABLE) is final: another Region would refuse alike.
    /// </summary>
    private async Task<TResponse> RunAsync<TResponse>(Func<Target, CallOptions, AsyncUnaryCall<TResponse>> call, bool failover,
        CancellationToken cancellationToken)
    {
        var targets = failover ? _targets.Count : 1;
        for (var i = 0; ; i++)
        {
            var target = _targets[i];
            try
            {
                return await _retry.ExecuteAsync(async token =>
                {
                    using var attempt = call(target, new CallOptions(Credentials(), DateTime.UtcNow + _options.Timeout, token));
                    return await attempt.ResponseAsync.ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && i + 1 < targets)
            {
                // Unreachable: this Region did not carry the call out; the next one holding a related key may.
            }
            catch (RpcException e)
            {
                throw MrkErrors.From(e);
            }
        }
    }

    /// <summary>
    /// An online backup of the preferred Region's store (operators only), written to <paramref name="destination"/> as it
    /// arrives. Returns its header once every byte arrived and matched the size and SHA-256 the node sent; throws
    /// <see cref="InvalidDataException"/> when they do not match (the copy is then unusable) and
    /// <see cref="MrkException"/> when the node refuses.
    /// </summary>
    public async Task<Admin.V1.BackupHeader> BackupRegionAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        var client = new Admin.V1.RegionAdmin.RegionAdminClient(_targets[0].Invoker);
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Admin.V1.BackupHeader? header = null;
        long received = 0;
        try
        {
            using var call = client.BackupRegion(new Admin.V1.BackupRegionRequest(), new CallOptions(Credentials(), cancellationToken: cancellationToken));
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (chunk.PartCase)
                {
                    case Admin.V1.BackupRegionChunk.PartOneofCase.Header when header is null:
                        header = chunk.Header;
                        break;
                    case Admin.V1.BackupRegionChunk.PartOneofCase.Data when header is not null:
                        sha256.AppendData(chunk.Data.Span);
                        await destination.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
                        received += chunk.Data.Length;
                        break;
                    case Admin.V1.BackupRegionChunk.PartOneofCase.Trailer when header is not null:
                        var actual = Convert.ToHexStringLower(sha256.GetHashAndReset());
                        if (received != header.Size || actual != chunk.Trailer.Sha256)
                        {
                            throw new InvalidDataException(
                                $"The backup arrived damaged: {received} of {header.Size} bytes, SHA-256 {actual} where the node sent {chunk.Trailer.Sha256}.");
                        }

                        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                        return header;
                    default:
                        throw new InvalidDataException($"The backup stream is out of order ({chunk.PartCase} after {received} bytes).");
                }
            }
        }
        catch (RpcException e)
        {
            throw MrkErrors.From(e);
        }

        throw new InvalidDataException($"The backup stream ended after {received} bytes without its trailer: the copy is incomplete.");
    }

    /// <summary>The node's grpc.health.v1 status ("SERVING" when its store is usable), one attempt, no retries.</summary>
    public async Task<string> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var response = await new Grpc.Health.V1.Health.HealthClient(_targets[0].Channel)
            .CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow + _options.Timeout, cancellationToken: cancellationToken)
            .ResponseAsync.ConfigureAwait(false);
        return response.Status.ToString().ToUpperInvariant();
    }

    public void Dispose()
    {
        foreach (var target in _targets)
        {
            target.Channel.Dispose();
        }
    }

    private Metadata? Credentials() => _options.ApiKey is { } key ? new Metadata { { "authorization", $"Bearer {key}" } } : null;

    private Target Connect(string? region, Uri endpoint)
    {
        // The preferred endpoint is the Region the options name (if any); a failover endpoint is the Region it names.
        var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 4 * 1024 * 1024,
            HttpHandler = TrustedHandler.Create(_options.CertificateAuthorityFile, _options.ClientCertificate, region ?? _options.Region),
        });
        return new Target(region, channel, channel.CreateCallInvoker(), new KeyManagementService.KeyManagementServiceClient(channel));
    }

    /// <summary>One Region's connection; <see cref="Region"/> is null for the preferred endpoint (requests go as given).</summary>
    private sealed record Target(string? Region, GrpcChannel Channel, CallInvoker Invoker, KeyManagementService.KeyManagementServiceClient Kms);
}
