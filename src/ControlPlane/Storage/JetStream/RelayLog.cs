using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Identity;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Grpc.Mrk.ControlPlane.Storage.JetStream;

/// <summary>
/// The replicated relay log: one connection per ControlPlane replica to a NATS JetStream cluster, over mutual TLS with
/// the cluster's relay-log certificate, and the streams and buckets every replica shares. The log replicates and elects
/// its leaders itself; nothing here decides who leads.
/// </summary>
public sealed class RelayLog : IAsyncDisposable
{
    public const string EnvelopeStream = "MRK_RELAY";
    public const string DigestStream = "MRK_AUDIT_DIGESTS";
    public const string ClaimsBucket = "mrk-promotion-claims";
    public const string AuditKeysBucket = "mrk-audit-keys";
    public const string RegionsBucket = "mrk-regions";
    public const string ReplicasBucket = "mrk-controlplanes";

    /// <summary>
    /// How long the log remembers a message ID to drop a resend: a Region resends what was not confirmed as stored when
    /// it reconnects, within seconds. A resend later than this is stored again and its destination drops it as applied.
    /// </summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);

    private readonly NatsConnection _connection;
    private readonly Dictionary<string, INatsKVStore> _buckets = new(StringComparer.Ordinal);

    public RelayLog(RelayLogSettings settings)
    {
        Settings = settings;
        var authority = CertificateFiles.LoadCertificate(settings.CaCertificateFile);
        _connection = new NatsConnection(new NatsOpts
        {
            Url = string.Join(",", settings.Servers),
            Name = $"mrk-controlplane {settings.ReplicaName}",
            // A log that stops answering is noticed by the requests that time out; reconnects go on for good, so a
            // replica whose log node returns picks up again without a restart.
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            RequestTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            TlsOpts = new NatsTlsOpts
            {
                Mode = TlsMode.Require,
                CertFile = settings.CertificateFile,
                KeyFile = settings.KeyFile,
                ConfigureClientAuthentication = tls =>
                {
                    // Only a relay-log server of this cluster: the CA alone would also admit a Region's certificate.
                    tls.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        certificate is X509Certificate2 presented
                        && (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch)) == SslPolicyErrors.None
                        && ChainValidation.Problem(presented, chain?.ChainPolicy.ExtraStore, authority, DateTime.UtcNow) is null
                        && PeerIdentity.Of(presented) is { Role: ClusterRole.RelayLog };
                    return ValueTask.CompletedTask;
                },
            },
        });
        JetStream = new NatsJSContext(_connection);
        KeyValues = new NatsKVContext(JetStream);
    }

    public RelayLogSettings Settings { get; }

    public INatsConnection Connection => _connection;

    public NatsJSContext JetStream { get; }

    public NatsKVContext KeyValues { get; }

    /// <summary>How long a starting replica waits for the log to form and answer before it gives up starting.</summary>
    public static readonly TimeSpan FormingPatience = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Creates the streams and buckets this release needs, or updates them to its settings. Replicas starting together
    /// race to do the same, and a log that is still electing its leaders answers nothing yet: each is tried again until
    /// <see cref="FormingPatience"/> has passed.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var wait = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await CreateOrUpdateAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException && DateTime.UtcNow - started < FormingPatience)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(3).Ticks, wait.Ticks * 2));
            }
        }
    }

    private async Task CreateOrUpdateAsync(CancellationToken cancellationToken)
    {
        await _connection.ConnectAsync().ConfigureAwait(false);
        var replicas = Settings.Replicas;
        await JetStream.CreateOrUpdateStreamAsync(new StreamConfig(EnvelopeStream, ["mrk.relay.>"])
        {
            Storage = StreamConfigStorage.File,
            NumReplicas = replicas,
            Retention = StreamConfigRetention.Limits,
            DuplicateWindow = DuplicateWindow,
            MaxMsgSize = 512 * 1024,
            Description = "Grpc.Mrk: signed, wrapped envelopes per destination Region until it acknowledges them",
        }, cancellationToken).ConfigureAwait(false);
        await JetStream.CreateOrUpdateStreamAsync(new StreamConfig(DigestStream, ["mrk.audit.>"])
        {
            Storage = StreamConfigStorage.File,
            NumReplicas = replicas,
            DuplicateWindow = DuplicateWindow,
            MaxMsgsPerSubject = IAuditDigestCopies.KeptPerRegion,
            Description = "Grpc.Mrk: copies of each Region's signed audit digests",
        }, cancellationToken).ConfigureAwait(false);
        foreach (var (bucket, history) in new[] { (ClaimsBucket, 1), (AuditKeysBucket, 1), (RegionsBucket, 1), (ReplicasBucket, 1) })
        {
            _buckets[bucket] = await KeyValues.CreateOrUpdateStoreAsync(new NatsKVConfig(bucket)
            {
                NumberOfReplicas = replicas,
                History = history,
                Storage = NatsKVStorageType.File,
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    public INatsKVStore Bucket(string name) => _buckets[name];

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>Where the replicated log is and how this replica reaches it.</summary>
public sealed record RelayLogSettings(
    IReadOnlyList<string> Servers,
    string CaCertificateFile,
    string CertificateFile,
    string KeyFile,
    int Replicas,
    string ReplicaName,
    string ReplicaUrl);
