using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>A real SQLite store and crypto engine in a temporary folder, with a fake clock, wired as the node wires them.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore(IEnvelopeSealer? sealer = null, string region = "us-east-1", Func<TempStore, IReplicationChannel>? channel = null,
        FakeTimeProvider? clock = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mrk-unit-");
        Database = new SqliteDatabase(Path.Combine(Directory.FullName, "region.db"));
        Database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        Region = new RegionIdentity(region, "aws", "111122223333");
        Protector = new DomainKeyProtector(RandomNumberGenerator.GetBytes(32), Region.Region);
        Clock = clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Store = new SqliteKeyStore(Database, Region, Clock, sealer);
        Factory = new KeyMaterialFactory();
        MaterialCache = new UnwrappedMaterialCache(UnwrappedMaterialCache.DefaultCapacity, Asymmetric.Forget);
        Store.KeyWritten += MaterialCache.Forget;
        Materials = new KeyMaterials(Factory, Protector, Clock, MaterialCache);
        Access = new AccessControl(Store, new SqliteGrantStore(Database), Region, Clock);
        PolicyPrincipals = new PolicyPrincipals(new SqlitePrincipalStore(Database));
        var resolver = new KeyResolver(Store, Region, Access);
        var changes = Changes = new KeyChanges(Store, resolver, Locks, Access, Region);
        Relay = new RelayStore(Database, Clock);
        Channel = channel?.Invoke(this) ?? new StandaloneChannel();
        var sync = new SharedStateSync(Channel, new SyncSettings(TimeSpan.FromSeconds(1)), Clock);
        Lifecycle = new KeyLifecycleOperations(Store, resolver, changes, Materials, new RandomSource(), Channel, sync, Access, Audit, PolicyPrincipals, Region, Clock);
        MultiRegion = new MultiRegionOperations(resolver, changes, Channel, sync, Access, PolicyPrincipals, Region, Clock);
        Receiver = new ReplicationReceiver(Store, changes, Channel, sync, new TransportRequests(Clock), new KeyTransport(), Protector, Factory, Audit, Access, PolicyPrincipals, Region, Clock);
        Rotation = new RotationOperations(Store, resolver, changes, Materials, sync, Audit, Clock);
        Encryption = new EncryptionOperations(Store, resolver, Materials, new SymmetricEnvelope(), Asymmetric, Access);
        Aliases = new AliasOperations(Store, resolver, changes, Access, Region, Clock);
        Signing = new SigningOperations(resolver, Materials, Asymmetric);
        Macs = new MacOperations(resolver, Materials, new MacEngine());
        Imports = new ImportOperations(Store, resolver, changes, Wrapping, Factory, Protector, sync, Audit, Clock);
    }

    public ImportWrapping Wrapping { get; } = new();

    public SigningOperations Signing { get; }

    public MacOperations Macs { get; }

    public ImportOperations Imports { get; }

    public DirectoryInfo Directory { get; }

    public SqliteDatabase Database { get; }

    public RegionIdentity Region { get; }

    public SqliteKeyStore Store { get; }

    public DomainKeyProtector Protector { get; }

    public FakeTimeProvider Clock { get; }

    public KeyMaterialFactory Factory { get; }

    public KeyMaterials Materials { get; }

    public AsymmetricEngine Asymmetric { get; } = new();

    public UnwrappedMaterialCache MaterialCache { get; }

    public KeyLocks Locks { get; } = new();

    public KeyChanges Changes { get; }

    public KeyLifecycleOperations Lifecycle { get; }

    public RecordingAuditSink Audit { get; } = new();

    public AccessControl Access { get; }

    public PolicyPrincipals PolicyPrincipals { get; }

    public RelayStore Relay { get; }

    public IReplicationChannel Channel { get; }

    public MultiRegionOperations MultiRegion { get; }

    public ReplicationReceiver Receiver { get; }

    public RotationOperations Rotation { get; }

    public EncryptionOperations Encryption { get; }

    public AliasOperations Aliases { get; }

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
        MaterialCache.Dispose();
        Protector.Dispose();
        Locks.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(recursive: true);
    }
}
