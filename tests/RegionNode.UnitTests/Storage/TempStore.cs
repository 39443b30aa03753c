using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Hosting;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// A Region's object graph below its listeners, from the node's own registration (<see cref="RegionNodeServices"/>),
/// over a real SQLite store in a temporary folder: a fake clock, a fresh domain key, and the audit log writing.
/// </summary>
internal sealed class TempStore : IDisposable
{
    private readonly ServiceProvider _services;

    public TempStore(IEnvelopeBuilder? envelopes = null, string region = "us-east-1", Func<TempStore, IReplicationChannel>? channel = null,
        FakeTimeProvider? clock = null, bool auditWriting = true)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mrk-unit-");
        Clock = clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var services = new ServiceCollection().AddLogging();
        services.AddOptions<RegionNodeOptions>().Configure(o =>
        {
            o.Region = region;
            o.DataDirectory = Directory.FullName;
            o.SyncIntervalSeconds = 1;

            // The fake clock stands still unless a test moves it, so no token would ever come back.
            o.RequestQuotas = false;
        });
        services.AddSingleton<TimeProvider>(Clock);
        services.AddRegionNodeServices();

        // What only a node with a ControlPlane has: the relay's store, and here the test's own envelopes and channel.
        services.AddSingleton<RelayStore>();
        if (envelopes is not null)
        {
            services.AddSingleton(envelopes);
        }

        if (channel is not null)
        {
            services.AddSingleton(_ => channel(this));
        }

        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Database = Get<SqliteDatabase>();
        Database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        Get<DomainKeyHolder>().Set(new DomainKeyProtector(RandomNumberGenerator.GetBytes(32), region));
        AuditLog = Get<AuditLog>();
        if (auditWriting)
        {
            AuditLog.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public DirectoryInfo Directory { get; }

    public FakeTimeProvider Clock { get; }

    public SqliteDatabase Database { get; }

    public AuditLog AuditLog { get; }

    public AuditStore AuditRecords => Get<AuditStore>();

    public RegionIdentity Region => Get<RegionIdentity>();

    public SqliteKeyStore Store => (SqliteKeyStore)Get<IKeyStore>();

    public DomainKeyProtector Protector => Get<DomainKeyHolder>().Protector;

    public KeyMaterialFactory Factory => (KeyMaterialFactory)Get<IKeyMaterialFactory>();

    public KeyMaterials Materials => Get<KeyMaterials>();

    public AsymmetricEngine Asymmetric => (AsymmetricEngine)Get<IAsymmetricEngine>();

    public UnwrappedMaterialCache MaterialCache => Get<UnwrappedMaterialCache>();

    public KeyChanges Changes => Get<KeyChanges>();

    public AccessControl Access => Get<AccessControl>();

    public PolicyPrincipals PolicyPrincipals => Get<PolicyPrincipals>();

    public RelayStore Relay => Get<RelayStore>();

    public IReplicationChannel Channel => Get<IReplicationChannel>();

    public KeyLifecycleOperations Lifecycle => Get<KeyLifecycleOperations>();

    public MultiRegionOperations MultiRegion => Get<MultiRegionOperations>();

    public ReplicationReceiver Receiver => Get<ReplicationReceiver>();

    public RotationOperations Rotation => Get<RotationOperations>();

    public EncryptionOperations Encryption => Get<EncryptionOperations>();

    public AliasOperations Aliases => Get<AliasOperations>();

    public SigningOperations Signing => Get<SigningOperations>();

    public MacOperations Macs => Get<MacOperations>();

    public ImportOperations Imports => Get<ImportOperations>();

    /// <summary>The audit records written so far whose event is <paramref name="eventName"/> (any when null), once the writer has caught up.</summary>
    public async Task<IReadOnlyList<string>> AuditedAsync(string? eventName = null)
    {
        await Eventually.TrueAsync(() => Task.FromResult(AuditLog.QueuedRecords == 0), TimeSpan.FromSeconds(20), "the audit writer to catch up");
        return [.. (await AuditRecords.ReadAsync(0, 100_000, eventName, CancellationToken.None)).Select(r => r.Json)];
    }

    /// <summary>Every byte the store has on disk: the database file and its WAL.</summary>
    public byte[] FileBytes()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return System.IO.Directory.EnumerateFiles(Directory.FullName, "region.db*")
            .SelectMany(f =>
            {
                using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            })
            .ToArray();
    }

    public void Dispose()
    {
        AuditLog.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(recursive: true);
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();
}
