extern alias ServiceBases;

using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Serving;
using Grpc.Mrk.Identity;
using Grpc.Mrk.RegionNode.Api;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Background;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Validation;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.RegionNode.Telemetry;
using Grpc.Mrk.RegionNode.Testing;
using Grpc.Mrk.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>The node's wiring: what Program.cs calls, in the order it calls it.</summary>
public static partial class RegionNodeSetup
{
    public const int MaxMessageBytes = 1024 * 1024;

    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--region"] = "Mrk:Region",
        ["--data-dir"] = "Mrk:DataDirectory",
        ["--domain-key-file"] = "Mrk:DomainKeyFile",
        ["--partition"] = "Mrk:Partition",
        ["--account-id"] = "Mrk:AccountId",
        ["--test-mode"] = "Mrk:TestMode",
        ["--maintenance-interval"] = "Mrk:MaintenanceIntervalSeconds",
        ["--audit-verify-interval"] = "Mrk:AuditVerifyIntervalSeconds",
        ["--warm-up"] = "Mrk:WarmUp",
        ["--request-quotas"] = "Mrk:RequestQuotas",
        ["--sync-interval"] = "Mrk:SyncIntervalSeconds",
        ["--key-cache-size"] = "Mrk:KeyCacheSize",
        ["--insecure-allow-anonymous"] = "Mrk:InsecureAllowAnonymous",
        ["--tls-cert"] = "Mrk:TlsCertificateFile",
        ["--tls-key"] = "Mrk:TlsKeyFile",
        ["--plaintext"] = "Mrk:Plaintext",
        ["--controlplane"] = "Mrk:ControlPlaneUrl",
        ["--cluster-certs"] = "Mrk:ClusterCertificates",
    };

    /// <summary>`probe`: asks this node's own listener through grpc.health.v1; exit code 0 only when it is SERVING.</summary>
    public static Task<int> ProbeRegionNodeAsync(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args.Where(a => a != "probe").ToArray(), Switches);
        var options = builder.Configuration.GetSection(RegionNodeOptions.Section).Get<RegionNodeOptions>() ?? new RegionNodeOptions();
        var ca = options.ClusterCertificates is { } certs ? Path.Combine(certs, "ca.crt") : null;
        return HealthProbe.RunAsync(builder.Configuration["urls"], ca, options.TlsCertificateFile, options.TlsKeyFile, Console.Out);
    }

    public static WebApplicationBuilder AddRegionNode(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, Switches);
        ProcessLogging.Configure(builder);

        var services = builder.Services;
        services.AddOptions<RegionNodeOptions>().Bind(builder.Configuration.GetSection(RegionNodeOptions.Section));
        builder.WebHost.ConfigureKestrel(k =>
        {
            var tls = builder.Configuration.GetSection(RegionNodeOptions.Section).Get<RegionNodeOptions>();
            var served = tls is { Plaintext: false, TlsCertificateFile: { } certificate, TlsKeyFile: { } key } && File.Exists(certificate) && File.Exists(key);

            // Over TLS, ALPN picks the protocol: h2 for gRPC (and the AWS JSON front), http/1.1 for the AWS SDKs that
            // speak only that. Without TLS only HTTP/2 with prior knowledge is served (loopback tests).
            k.ConfigureEndpointDefaults(l => l.Protocols = served ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2);
            if (served)
            {
                k.ConfigureHttpsDefaults(h =>
                {
                    h.ServerCertificate = X509Certificate2.CreateFromPemFile(tls!.TlsCertificateFile!, tls.TlsKeyFile!);

                    // A client certificate is optional (API keys work without one); CallerAuthentication checks any that comes.
                    h.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                    h.AllowAnyClientCertificate();
                });
            }
        });

        // Only a node in test mode has a clock that can be moved (by the TestClock service it alone serves).
        if (builder.Configuration.GetSection(RegionNodeOptions.Section).Get<RegionNodeOptions>() is { TestMode: true })
        {
            services.AddSingleton<AdjustableClock>();
            services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<AdjustableClock>());
        }
        else
        {
            services.AddSingleton(TimeProvider.System);
        }

        services.AddRegionNodeServices();
        IdleMemoryReturn.AddTo(services);
        AddReplication(builder);

        services.AddGrpc(o =>
        {
            foreach (var interceptor in ApiPipeline.Interceptors)
            {
                o.Interceptors.Add(interceptor);
            }

            o.MaxReceiveMessageSize = MaxMessageBytes;
            o.EnableDetailedErrors = false;
        });
        services.AddSingleton<KeyManagementApi>();
        ApiPipeline.Register(services);
        NodeMetrics.AddTo(services, builder.Configuration.GetSection(RegionNodeOptions.Section).Get<RegionNodeOptions>()?.Region ?? string.Empty);
        services.AddSingleton(sp => new AuditCheckSchedule(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<RegionNodeOptions>>().Value.AuditVerifyIntervalSeconds)));
        services.AddHostedService<AuditSelfCheck>();
        services.AddHostedService<CodePathWarmUp>();
        services.AddSingleton(sp => new SigV4Verifier(sp.GetRequiredService<RegionIdentity>().Region, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AwsSignatureAuthentication>();
        services.AddSingleton<AwsJsonFront>();
        services.AddSingleton<PrincipalAdminApi>();
        services.AddSingleton<AuditLogApi>();
        static RpcException Unparseable() =>
            ErrorStatus.ToRpcException(KmsErrorCodes.Validation, "The request is not a valid protobuf encoding of this method's request message.");
        services.AddSingleton<KeyManagementEndpoint>();
        services.AddSingleton<AuditLogEndpoint>();
        services.AddSingleton<PrincipalAdminEndpoint>();
        services.AddSingleton<RegionAdminEndpoint>();
        services.AddSingleton<RegionAdminApi>();
        services.AddSingleton<StoreBackup>();
        services.AddSingleton<IServiceMethodProvider<RegionAdminEndpoint>>(sp => new StrictMethodProvider<RegionAdminEndpoint>(
            binder => ServiceBases::Grpc.Mrk.Admin.V1.RegionAdmin.BindService(binder, sp.GetRequiredService<RegionAdminApi>()), Unparseable));
        services.AddSingleton<IServiceMethodProvider<KeyManagementEndpoint>>(sp => new StrictMethodProvider<KeyManagementEndpoint>(
            binder => ServiceBases::Grpc.Mrk.V1.KeyManagementService.BindService(binder, sp.GetRequiredService<KeyManagementApi>()), Unparseable));
        services.AddSingleton<IServiceMethodProvider<AuditLogEndpoint>>(sp => new StrictMethodProvider<AuditLogEndpoint>(
            binder => ServiceBases::Grpc.Mrk.V1.AuditLog.BindService(binder, sp.GetRequiredService<AuditLogApi>()), Unparseable));
        services.AddSingleton<IServiceMethodProvider<PrincipalAdminEndpoint>>(sp => new StrictMethodProvider<PrincipalAdminEndpoint>(
            binder => ServiceBases::Grpc.Mrk.Admin.V1.PrincipalAdmin.BindService(binder, sp.GetRequiredService<PrincipalAdminApi>()), Unparseable));
        services.AddGrpcReflection();
        Grpc.Mrk.Cluster.StoreHealthCheck.AddTo(services.AddGrpcHealthChecks(), "Region's store",
                sp => sp.GetRequiredService<NodeMeta>().CountKeysAsync)
            .Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("audit log",
                sp => new AuditWritableCheck(sp.GetRequiredService<Audit.AuditLog>()), null, null));
        return builder;
    }

    private static void AddReplication(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RegionNodeOptions.Section).Get<RegionNodeOptions>();
        if (string.IsNullOrEmpty(options?.ControlPlaneUrl))
        {
            return;
        }

        var services = builder.Services;
        services.AddSingleton(sp => new ReplicationIdentity(options.ClusterCertificates ?? string.Empty, options.Region, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RelayStore>();
        services.AddSingleton<Outbox>();
        services.AddSingleton(new OutgoingEnvelopes(options.Region));
        services.AddSingleton<IEnvelopeBuilder>(sp => sp.GetRequiredService<OutgoingEnvelopes>());
        services.AddSingleton<ProbeHandler>();
        services.AddSingleton<IEnvelopeHandler>(sp => sp.GetRequiredService<ProbeHandler>());
        services.AddSingleton<OwnPrekeys>();
        services.AddSingleton<PeerPrekeys>();
        services.AddSingleton<PrekeyDemand>();
        services.AddSingleton<KeyDeliveries>();
        services.AddSingleton<IEnvelopeHandler, PrekeyHandler>();
        foreach (var kind in ReplicationCodec.Kinds)
        {
            services.AddSingleton<IEnvelopeHandler>(sp => new ReplicationHandler(kind, sp.GetRequiredService<ReplicationReceiver>(),
                sp.GetRequiredService<KeyDeliveries>(), sp.GetRequiredService<ILogger<ReplicationHandler>>(), sp.GetRequiredService<NodeMetrics>()));
        }

        services.AddSingleton(_ => ControlPlaneEndpoints.Parse(options.ControlPlaneUrl, options.Region, out var problem) ?? throw new StartupRefusedException(problem!));
        services.AddSingleton<PromotionClaimClient>();
        services.AddSingleton<IReplicationChannel, ClusterChannel>();
        services.AddHostedService<ReplicationSyncService>();
        services.AddSingleton<SequenceFloors>();
        services.AddSingleton<Inbox>();
        services.AddHostedService(sp => new ControlPlaneLink(sp.GetRequiredService<ControlPlaneEndpoints>(), sp.GetRequiredService<ReplicationIdentity>(),
            sp.GetRequiredService<RelayStore>(), sp.GetRequiredService<Outbox>(), sp.GetRequiredService<Inbox>(),
            new AuditDigestPublisher(sp.GetRequiredService<AuditStore>(), sp.GetRequiredService<AuditSigningKey>(), sp.GetRequiredService<NodeMeta>()),
            new KeyCensusPublisher(sp.GetRequiredService<StoreCensus>(), sp.GetRequiredService<TimeProvider>()),
            new AuditBriefPublisher(sp.GetRequiredService<AuditStore>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<KeyDeliveries>(), sp.GetRequiredService<Audit.AuditLog>(), sp.GetRequiredService<SequenceFloors>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Cluster.Tracing.EnvelopeTrace>(), sp.GetRequiredService<ILogger<ControlPlaneLink>>()));
    }

    /// <summary>Checks the configuration, migrates the store and loads the domain key; throws <see cref="StartupRefusedException"/> if it must not start.</summary>
    public static async Task PrepareRegionNodeAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Grpc.Mrk.RegionNode");
        RequireValidRegion(options);

        if (options.MaintenanceIntervalSeconds is <= 0 or > 86400)
        {
            throw new StartupRefusedException("--maintenance-interval must be between 0 and 86400 seconds.");
        }

        if (options.AuditVerifyIntervalSeconds is < 0 or > 30 * 86400 || options.AuditVerifyIntervalSeconds is > 0 and < 0.1)
        {
            throw new StartupRefusedException("--audit-verify-interval must be 0 (never) or between 0.1 and 2592000 seconds (30 days).");
        }

        if (options.SyncIntervalSeconds is < 0.1 or > 3600)
        {
            throw new StartupRefusedException("--sync-interval must be between 0.1 and 3600 seconds.");
        }

        if (options.KeyCacheSize is < 0 or > 1_000_000)
        {
            throw new StartupRefusedException("--key-cache-size must be between 0 and 1000000 keys.");
        }

        // A misspelt quota or a rate that is not one refuses the start rather than leaving a quota at its default.
        _ = app.Services.GetRequiredService<RequestThrottle>();
        foreach (var (setting, limit) in options.ResourceQuotas.BySetting.Where(q => q.Value < 1))
        {
            throw new StartupRefusedException($"Mrk:ResourceQuotas:{setting} must be at least 1, not {limit}.");
        }

        RequireSafeTransport(options, app.Configuration["urls"]);
        RequireOwnServerCertificate(options);
        if (options.TestMode)
        {
            RequireLoopbackOnly(app.Configuration["urls"], "Test mode");
            Log.TestModeOn(logger);
        }

        if (options.InsecureAllowAnonymous)
        {
            RequireLoopbackOnly(app.Configuration["urls"], "Insecure anonymous mode");
            Log.InsecureAnonymousOn(logger);
        }

        app.Services.GetRequiredService<DomainKeyHolder>().Hold(DataDirectoryLock.Acquire(options.DataDirectory));
        var database = app.Services.GetRequiredService<SqliteDatabase>();
        OwnerOnly.Store(database.Path);
        var applied = await database.MigrateAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        Log.StoreReady(logger, options.Region, database.Path, applied.Count == 0 ? "none" : string.Join(", ", applied));

        // GetKeyLastUsage's TrackingStartDate: the first start of a node that records key uses, kept from then on.
        var meta = app.Services.GetRequiredService<NodeMeta>();
        if (await meta.GetAsync(SqliteKeyStore.UsageTrackingStartName, app.Lifetime.ApplicationStopping).ConfigureAwait(false) is null)
        {
            var ticks = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(ticks, app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcTicks);
            await meta.SetAsync(SqliteKeyStore.UsageTrackingStartName, ticks, app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        }

        if (!string.IsNullOrEmpty(options.ControlPlaneUrl))
        {
            if (ControlPlaneEndpoints.Parse(options.ControlPlaneUrl, options.Region, out var problem) is null)
            {
                throw new StartupRefusedException(problem!);
            }

            try
            {
                _ = app.Services.GetRequiredService<ReplicationIdentity>();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                throw new StartupRefusedException($"--cluster-certs does not hold this Region's certificates: {e.Message}", e);
            }
        }

        var key = await DomainKeyLoader.LoadAsync(options, meta, logger, app.Lifetime.ApplicationStopping)
            .ConfigureAwait(false);
        try
        {
            app.Services.GetRequiredService<DomainKeyHolder>().Set(new DomainKeyProtector(key, options.Region));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }

        await RunCryptoSelfTestAsync(app, logger).ConfigureAwait(false);
        await RejoinAfterStoreWentBackAsync(app, meta, logger).ConfigureAwait(false);
    }

    /// <summary>
    /// The first start on a store that went back. After `rebuild`: every other Region is asked where this Region's
    /// sequences stand before anything leaves (the rejoin waits for the operator). After a restore: every other Region
    /// is told (through the outbox, so it reaches them once the relay is up; the rejoin asks the same question first)
    /// before the mark goes, so a crash in between tells them twice, never not at all.
    /// </summary>
    private static async Task RejoinAfterStoreWentBackAsync(WebApplication app, NodeMeta meta, ILogger logger)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        if (await meta.GetAsync(RegionRebuild.AskPeersName, stopping).ConfigureAwait(false) is not null)
        {
            await app.Services.GetRequiredService<IReplicationChannel>().AskWhereSequencesStandAsync(stopping).ConfigureAwait(false);
            await meta.DeleteAsync(RegionRebuild.AskPeersName, stopping).ConfigureAwait(false);
            Log.RebuiltStoreAsksPeers(logger);
        }

        var receiver = app.Services.GetRequiredService<ReplicationReceiver>();
        if (await meta.RejoinedAtAsync(stopping).ConfigureAwait(false) is { } rejoined)
        {
            // Replicas' views of this Region's sets may still be on their way after a restart.
            receiver.RejoinedAt(rejoined);
        }

        if (await meta.GetAsync(RegionRestore.RejoinPendingName, stopping).ConfigureAwait(false) is not { } pending)
        {
            return;
        }

        var rejoin = PendingRejoin.Decode(pending) ?? new RejoinMessage(RejoinMessage.Restore, string.Empty, null);
        var told = await receiver.AnnounceRejoinAsync(rejoin, stopping).ConfigureAwait(false);
        await meta.NoteRejoinedAsync(app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), stopping).ConfigureAwait(false);
        await meta.DeleteAsync(RegionRestore.RejoinPendingName, stopping).ConfigureAwait(false);
        Log.RejoinAnnounced(logger, rejoin.BackupId, told.Count == 0 ? "none" : string.Join(", ", told));
    }

    /// <summary>Before the node serves: every primitive and signing key it holds answers as published, or it does not start.</summary>
    private static async Task RunCryptoSelfTestAsync(WebApplication app, ILogger logger)
    {
        var time = app.Services.GetRequiredService<TimeProvider>();
        var started = time.GetTimestamp();
        var signingKeys = new List<(string, System.Security.Cryptography.ECDsa)>
        {
            ("audit digest signing key", await app.Services.GetRequiredService<AuditSigningKey>().GetAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false)),
        };
        if (app.Services.GetService<ReplicationIdentity>() is { } identity)
        {
            signingKeys.Add(("replication signing key", identity.SigningKey));
        }

        var failed = CryptoSelfTest.Run(app.Services.GetRequiredService<DomainKeyHolder>().Protector, signingKeys);
        if (failed.Count > 0)
        {
            throw new StartupRefusedException($"cryptographic self-test failed: {string.Join("; ", failed)}");
        }

        Log.CryptoSelfTestPassed(logger, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The `rotate-domain-key` admin command: re-wraps the stopped Region's store under a new domain key.</summary>
    public static Task<int> RotateDomainKeyAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        RequireValidRegion(options);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Grpc.Mrk.RegionNode");
        return DomainKeyRotation.RunAsync(options, logger, CancellationToken.None);
    }

    /// <summary>`rebuild` for a Region whose store was lost with no backup, before its node first starts (see <see cref="RegionRebuild"/>).</summary>
    public static Task<int> PrepareRebuildAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        RequireValidRegion(options);
        return RegionRebuild.RunAsync(options, CancellationToken.None);
    }

    /// <summary>`restore --from &lt;backup&gt;` for a stopped Region (see <see cref="RegionRestore"/>).</summary>
    public static Task<int> RestoreRegionAsync(this WebApplication app, string[] args)
    {
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        RequireValidRegion(options);
        var from = Array.IndexOf(args, "--from") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        if (string.IsNullOrEmpty(from))
        {
            throw new StartupRefusedException("restore needs --from <backup file> (written by mrk region backup).");
        }

        return RegionRestore.RunAsync(options, from, app.Services.GetRequiredService<TimeProvider>(), CancellationToken.None);
    }

    public static WebApplication MapRegionNode(this WebApplication app)
    {
        app.MapGrpcService<KeyManagementEndpoint>();
        app.MapPost("/", (HttpContext http) => http.RequestServices.GetRequiredService<AwsJsonFront>().HandleAsync(http));
        app.MapGrpcService<PrincipalAdminEndpoint>();
        app.MapGrpcService<RegionAdminEndpoint>();
        app.MapGrpcService<AuditLogEndpoint>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapNodeMetrics();
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        if (options.TestMode)
        {
            app.MapGrpcService<TestClockApi>();
            if (!string.IsNullOrEmpty(options.ControlPlaneUrl))
            {
                app.MapGrpcService<TestRelayApi>();
            }
        }

        try
        {
            ServedMethods.RequireDeclared(app, RegionNodeMethods.Declarations);
        }
        catch (InvalidOperationException e)
        {
            throw new StartupRefusedException(e.Message, e);
        }

        return app;
    }

    /// <summary>
    /// After Kestrel has bound: the addresses it actually listens on (from --urls, Kestrel's own configuration or the
    /// environment alike) must allow the modes this node runs in. Plaintext, test and anonymous modes stay on loopback.
    /// </summary>
    public static void RequireBoundAddressesAllowed(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RegionNodeOptions>>().Value;
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var joined = string.Join(';', bound);
        if (bound.Any(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            if (!options.Plaintext)
            {
                throw new StartupRefusedException($"Kestrel listens without TLS on {joined}: plaintext needs --plaintext true, and loopback only.");
            }

            RequireLoopbackOnly(joined, "Plaintext");
        }

        if (options.TestMode)
        {
            RequireLoopbackOnly(joined, "Test mode");
        }

        if (options.InsecureAllowAnonymous)
        {
            RequireLoopbackOnly(joined, "Insecure anonymous mode");
        }
    }

    public static string StorePath(RegionNodeOptions options) => Path.Combine(options.DataDirectory, "region.db");

    /// <summary>TLS unless plaintext is asked for explicitly, and plaintext only on loopback.</summary>
    private static void RequireSafeTransport(RegionNodeOptions options, string? urls)
    {
        var addresses = Urls(urls);
        if (addresses.Count == 0)
        {
            throw new StartupRefusedException("Give listening addresses with --urls (https://..., or http://127.0.0.1:... with --plaintext true).");
        }

        if (addresses.Any(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            if (!options.Plaintext)
            {
                throw new StartupRefusedException("http:// addresses serve keys without TLS: use https:// with --tls-cert and --tls-key, "
                    + "or pass --plaintext true (allowed only on loopback addresses).");
            }

            RequireLoopbackOnly(urls, "Plaintext");
        }

        if (addresses.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            && !(File.Exists(options.TlsCertificateFile) && File.Exists(options.TlsKeyFile)))
        {
            throw new StartupRefusedException("https:// addresses need --tls-cert and --tls-key (PEM files that exist).");
        }
    }

    /// <summary>
    /// The TLS certificate must be a server certificate, and a cluster certificate must be this Region's: a node serving
    /// another Region's certificate would pass for that Region to clients that check only the CA.
    /// </summary>
    private static void RequireOwnServerCertificate(RegionNodeOptions options)
    {
        if (options.TlsCertificateFile is not { } file || !File.Exists(file))
        {
            return;
        }

        using var certificate = CertificateFiles.LoadCertificate(file);
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>())
            .Select(o => o.Value).ToList();
        if (usages.Count > 0 && !usages.Contains(ClusterPki.ServerAuthentication))
        {
            throw new StartupRefusedException($"--tls-cert {file} is not a server certificate (its extended key usage has no serverAuth).");
        }

        if (PeerIdentity.Of(certificate) is { } identity && (identity.Role != ClusterRole.Region || identity.Name != options.Region))
        {
            throw new StartupRefusedException(
                $"--tls-cert {file} is the cluster certificate of {identity.Role} {identity.Name}, not of Region {options.Region}.");
        }
    }

    private static List<string> Urls(string? urls) =>
        (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static void RequireLoopbackOnly(string? urls, string what)
    {
        var addresses = Urls(urls);
        if (addresses.Count == 0)
        {
            throw new StartupRefusedException($"{what} needs explicit loopback --urls (for example http://127.0.0.1:0).");
        }

        foreach (var url in addresses)
        {
            var host = new Uri(url.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal)).Host;
            var loopback = host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
            {
                throw new StartupRefusedException($"{what} is refused on {url}: it is allowed only on loopback addresses.");
            }
        }
    }

    private static void RequireValidRegion(RegionNodeOptions options)
    {
        if (!ParameterChecks.IsRegionName(options.Region))
        {
            throw new StartupRefusedException($"--region must be a Region name such as us-east-1 (got '{options.Region}').");
        }
    }
}
