using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.RegionNode.Api;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Background;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// The node's object graph below its listeners: store, crypto, audit, the domain's operations and replication's
/// receiving half. The process and the tests build it from here alike; each adds only what it alone has (a
/// <see cref="TimeProvider"/>, and with a ControlPlane the link, outbox and relay channel).
/// </summary>
public static class RegionNodeServices
{
    public static IServiceCollection AddRegionNodeServices(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
            return new RegionIdentity(o.Region, o.Partition, o.AccountId);
        });
        services.AddSingleton(sp => new SqliteDatabase(RegionNodeSetup.StorePath(sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value)));
        services.AddSingleton<NodeMeta>();
        services.AddSingleton(sp =>
        {
            var store = new SqliteKeyStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<RegionIdentity>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetService<IEnvelopeBuilder>(), sp.GetRequiredService<ITransactionAudit>(),
                sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.KeyCacheSize);
            store.KeyWritten += sp.GetRequiredService<UnwrappedMaterialCache>().Forget;
            if (sp.GetService<StoreCensus>() is { } census)
            {
                store.KeyWritten += census.NoteKeyWritten;
            }
            if (sp.GetService<Outbox>() is { } outbox)
            {
                store.MessagesQueued += outbox.NotifyEnqueued;
            }

            return store;
        });
        services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<SqliteKeyStore>());

        services.AddSingleton<DomainKeyHolder>();
        services.AddSingleton<IMaterialProtector>(sp => sp.GetRequiredService<DomainKeyHolder>().Protector);
        services.AddSingleton<IKeyMaterialFactory, KeyMaterialFactory>();
        services.AddSingleton<ISymmetricEnvelope, SymmetricEnvelope>();
        services.AddSingleton<IAsymmetricEngine, AsymmetricEngine>();
        services.AddSingleton(sp =>
        {
            var asymmetric = sp.GetRequiredService<IAsymmetricEngine>();
            return new UnwrappedMaterialCache(sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.KeyCacheSize, asymmetric.Forget);
        });
        services.AddSingleton<IMacEngine, MacEngine>();
        services.AddSingleton<IRandomSource, RandomSource>();
        services.AddSingleton<IKeyTransport, KeyTransport>();

        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.RequestQuotaSettings();
            try
            {
                return new RequestThrottle(settings, sp.GetRequiredService<TimeProvider>());
            }
            catch (ArgumentException e)
            {
                throw new StartupRefusedException(e.Message, e);
            }
        });
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.ResourceQuotas);
        services.AddSingleton<KeyLocks>();
        services.AddSingleton<KeyResolver>();
        services.AddSingleton<KeyChanges>();
        services.AddSingleton<KeyMaterials>();
        services.AddSingleton<KeyLifecycleOperations>();
        services.AddSingleton<RotationOperations>();
        services.AddSingleton<ImportOperations>();
        services.AddSingleton<IImportWrapping, ImportWrapping>();
        services.AddSingleton<EncryptionOperations>();
        services.AddSingleton<DataKeyOperations>();
        services.AddSingleton<SigningOperations>();
        services.AddSingleton<MacOperations>();
        services.AddSingleton<AliasOperations>();
        services.AddSingleton<TagOperations>();
        services.AddSingleton<PolicyOperations>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<AuditSigningKey>();
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<Audit.AuditLog>());
        services.AddSingleton<ITransactionAudit>(sp => new TransactionAudit(sp.GetRequiredService<Audit.AuditLog>()));
        services.AddHostedService(sp => sp.GetRequiredService<Audit.AuditLog>());
        services.AddSingleton<AccessControl>();
        services.AddSingleton<PolicyPrincipals>();
        services.AddSingleton<AccessKeyCache>();
        services.AddSingleton<AccessKeyOperations>();
        services.AddSingleton<RefusalRateLimit>();
        services.AddSingleton<IGrantStore>(sp => new SqliteGrantStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<ITransactionAudit>()));
        services.AddSingleton<GrantOperations>();
        services.AddSingleton<IPrincipalStore>(sp => new SqlitePrincipalStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<ITransactionAudit>()));
        services.AddSingleton<PrincipalOperations>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
            var caFile = string.IsNullOrEmpty(o.ClusterCertificates) ? null : new ClusterLayout(o.ClusterCertificates).AuthorityCertificate;
            var trust = caFile is not null && File.Exists(caFile)
                ? new ClusterTrust(CertificateFiles.LoadCertificate(caFile), sp.GetRequiredService<TimeProvider>())
                : null;
            return new AuthenticationSettings(o.InsecureAllowAnonymous, trust);
        });
        services.AddSingleton(sp => new SyncSettings(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.SyncIntervalSeconds)));
        services.AddSingleton<SharedStateSync>();
        services.AddSingleton<TransportRequests>();
        services.AddSingleton<MultiRegionOperations>();
        services.AddSingleton<BreakGlassOperations>();
        services.AddSingleton<ReplicationReceiver>();
        services.AddSingleton<IReplicationChannel, StandaloneChannel>();
        services.AddSingleton(sp => new MaintenanceSchedule(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.MaintenanceIntervalSeconds)));
        services.AddHostedService<KeyMaintenanceService>();
        return services;
    }
}
