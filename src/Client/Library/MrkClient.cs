using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.V1;
using Grpc.Net.Client;
using Polly;
using Polly.Retry;

namespace Grpc.Mrk.Client;

/// <summary>
/// A RegionNode client: the generated stub with a deadline on every call, retries on transient failures, and
/// refusals surfaced as <see cref="MrkException"/> carrying AWS's exception name.
/// </summary>
public sealed class MrkClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly MrkClientOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly CallInvoker _invoker;

    public MrkClient(Uri endpoint, MrkClientOptions? options = null)
    {
        _options = options ?? new MrkClientOptions();
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 4 * 1024 * 1024,
            HttpHandler = TrustedHandler.Create(_options.CertificateAuthorityFile),
        });
        Kms = new KeyManagementService.KeyManagementServiceClient(_channel);
        _invoker = _channel.CreateCallInvoker();
        _retry = _options.MaxRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    // UNAVAILABLE means the node could not be reached, so the request was not carried out.
                    ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
                    MaxRetryAttempts = _options.MaxRetries,
                    Delay = _options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                })
                .Build();
    }

    /// <summary>The generated stub, for callers that manage deadlines themselves.</summary>
    public KeyManagementService.KeyManagementServiceClient Kms { get; }

    /// <summary>Runs one call with a fresh deadline per attempt; refusals become <see cref="MrkException"/>.</summary>
    public Task<TResponse> CallAsync<TResponse>(
        Func<KeyManagementService.KeyManagementServiceClient, CallOptions, AsyncUnaryCall<TResponse>> call,
        CancellationToken cancellationToken = default) =>
        RunAsync(options => call(Kms, options), cancellationToken);

    /// <summary>Calls any unary method of the API by its descriptor (the CLI uses this to cover every RPC).</summary>
    public Task<IMessage> InvokeAsync(MethodDescriptor method, IMessage request, CancellationToken cancellationToken = default)
    {
        var unary = DynamicMethods.For(method);
        return RunAsync(options => _invoker.AsyncUnaryCall(unary, null, options, request), cancellationToken);
    }

    private async Task<TResponse> RunAsync<TResponse>(Func<CallOptions, AsyncUnaryCall<TResponse>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                using var attempt = call(new CallOptions(deadline: DateTime.UtcNow + _options.Timeout, cancellationToken: token));
                return await attempt.ResponseAsync.ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw MrkErrors.From(e);
        }
    }

    public Task<EncryptResponse> EncryptAsync(EncryptRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.EncryptAsync(request, o), cancellationToken);

    public Task<DecryptResponse> DecryptAsync(DecryptRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.DecryptAsync(request, o), cancellationToken);

    public Task<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.CreateKeyAsync(request, o), cancellationToken);

    public Task<DescribeKeyResponse> DescribeKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o), cancellationToken);

    public Task<SignResponse> SignAsync(SignRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.SignAsync(request, o), cancellationToken);

    public Task<VerifyResponse> VerifyAsync(VerifyRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.VerifyAsync(request, o), cancellationToken);

    public Task<GenerateDataKeyResponse> GenerateDataKeyAsync(GenerateDataKeyRequest request, CancellationToken cancellationToken = default) =>
        CallAsync((c, o) => c.GenerateDataKeyAsync(request, o), cancellationToken);

    /// <summary>The node's grpc.health.v1 status ("SERVING" when its store is usable), one attempt, no retries.</summary>
    public async Task<string> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var response = await new Grpc.Health.V1.Health.HealthClient(_channel)
            .CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow + _options.Timeout, cancellationToken: cancellationToken)
            .ResponseAsync.ConfigureAwait(false);
        return response.Status.ToString().ToUpperInvariant();
    }

    public void Dispose() => _channel.Dispose();
}
