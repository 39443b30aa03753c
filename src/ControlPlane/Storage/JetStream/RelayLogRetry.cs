using NATS.Client.Core;
using NATS.Client.JetStream;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Grpc.Mrk.ControlPlane.Storage.JetStream;

/// <summary>
/// Every call to the log goes through here. Losing a log server makes the streams it led elect a new leader, which
/// takes seconds; meanwhile calls get no answer. They are tried again for up to <see cref="Patience"/>, then fail as
/// <see cref="RelayStoreUnavailableException"/>. A refusal by the log (a 4xx answer) is not retried.
/// </summary>
public static class RelayLogRetry
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddTimeout(Patience)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NatsException>(Transient).Handle<TimeoutException>(),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            UseJitter = true,
        })
        .Build();

    public static async Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await Pipeline.ExecuteAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutRejectedException or TimeoutException || e is NatsException n && Transient(n))
        {
            throw new RelayStoreUnavailableException($"the relay log did not answer within {Patience.TotalSeconds:0} s", e);
        }
    }

    public static Task RunAsync(Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        RunAsync<bool>(async token =>
        {
            await call(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>No answer, no responders, or the log saying it has no leader now (503): worth another try.</summary>
    private static bool Transient(NatsException e) => e is not (NatsJSApiException { Error.Code: < 500 } or NATS.Client.KeyValueStore.NatsKVException);
}
