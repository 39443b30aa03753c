using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Serving;
using Grpc.Mrk.ControlPlane.Api;
using Grpc.Mrk.ControlPlane.WebConsole;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage;
using Grpc.Mrk.ControlPlane.Storage.JetStream;
using Grpc.Mrk.ControlPlane.Storage.Sqlite;
using Grpc.Mrk.ControlPlane.Relay.Replicas;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.ControlPlane.Hosting;

/// <summary>The ControlPlane's wiring: what Program.cs calls, in order.</summary>
public static class ControlPlaneSetup
{
    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "ControlPlane:DataDirectory",
        ["--regions"] = "ControlPlane:Regions",
        ["--ca-cert"] = "ControlPlane:CaCertificateFile",
        ["--tls-cert"] = "ControlPlane:TlsCertificateFile",
        ["--tls-key"] = "ControlPlane:TlsKeyFile",
        ["--console-urls"] = "ControlPlane:ConsoleUrl",
        ["--insecure-console-loopback"] = "ControlPlane:InsecureConsoleLoopback",
        ["--console-keys-file"] = "ControlPlane:ConsoleKeysFile",
        ["--promotion-grace"] = "ControlPlane:PromotionGraceSeconds",
        ["--queue"] = "ControlPlane:Queue",
        ["--log-cert"] = "ControlPlane:RelayLogCertificateFile",
        ["--log-key"] = "ControlPlane:RelayLogKeyFile",
        ["--log-replicas"] = "ControlPlane:LogReplicas",
        ["--replica-name"] = "ControlPlane:ReplicaName",
    };

    /// <summary>`probe`: asks this ControlPlane's own listener through grpc.health.v1; exit code 0 only when it is SERVING.</summary>
    public static Task<int> ProbeControlPlaneAsync(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args.Where(a => a != "probe").ToArray(), Switches);
        var options = builder.Configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
        return HealthProbe.RunAsync(builder.Configuration["urls"], options.CaCertificateFile, options.TlsCertificateFile,
            options.TlsKeyFile, Console.Out);
    }

    public static WebApplicationBuilder AddControlPlane(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, Switches);
        ProcessLogging.Configure(builder);

        var options = builder.Configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
        var services = builder.Services;
        services.AddOptions<ControlPlaneOptions>().Bind(builder.Configuration.GetSection(ControlPlaneOptions.Section));
        services.AddSingleton(TimeProvider.System);
        IdleMemoryReturn.AddTo(services);
        services.AddSingleton(sp => new ClusterTrust(CertificateFiles.LoadCertificate(options.CaCertificateFile), sp.GetRequiredService<TimeProvider>()));
        AddRelayStore(services, options, builder.Configuration["urls"]);
        services.AddSingleton(new ClusterRegions(options.RegionList));
        services.AddSingleton(sp => new PromotionGrace(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.PromotionGraceSeconds)));
        services.AddSingleton<RegionConnections>();
        services.AddSingleton<PeerCertificates>();
        services.AddSingleton<ClusterStatusReader>();
        services.AddSingleton<KeyCensusBoard>();
        services.AddSingleton<AuditTimeline>();
        services.AddHostedService<RelayWarmUp>();
        services.AddSingleton(sp => new ConsoleKeys(options.ConsoleKeysFile, sp.GetRequiredService<ILogger<ConsoleKeys>>()));
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton(sp => new ConsoleAccess(sp.GetRequiredService<ClusterTrust>(), sp.GetRequiredService<ConsoleKeys>(),
            sp.GetRequiredService<ConsoleSessions>(), options.InsecureConsoleLoopback));
        RelayMetrics.AddTo(services);
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<DeclaredAccess>();
            o.Interceptors.Add<StoreUnavailableMapping>();
            o.MaxReceiveMessageSize = 512 * 1024;
        });
        static RpcException Unparseable() => new(new Status(StatusCode.InvalidArgument, "The message is not a valid protobuf encoding of its type."));
        services.AddSingleton<RelayApi>();
        services.AddSingleton<ClusterAdminApi>();
        services.AddSingleton<RelayEndpoint>();
        services.AddSingleton<ClusterAdminEndpoint>();
        services.AddSingleton<IServiceMethodProvider<RelayEndpoint>>(sp => new StrictMethodProvider<RelayEndpoint>(
            binder => Internal.V1.Relay.BindService(binder, sp.GetRequiredService<RelayApi>()), Unparseable));
        services.AddSingleton<IServiceMethodProvider<ClusterAdminEndpoint>>(sp => new StrictMethodProvider<ClusterAdminEndpoint>(
            binder => ClusterAdmin.BindService(binder, sp.GetRequiredService<ClusterAdminApi>()), Unparseable));
        services.AddGrpcReflection();
        Grpc.Mrk.Cluster.StoreHealthCheck.AddTo(services.AddGrpcHealthChecks(), "relay store",
            sp => sp.GetRequiredService<IRelayQueue>().DepthsAsync);

        var console = ConsoleListener(builder.Configuration, options);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2);
            if (console)
            {
                // A browser has no cluster certificate to offer at the handshake: the console's listener asks for one
                // without demanding it, and the console admits its caller per request (ConsoleAccess).
                kestrel.Configure(builder.Configuration.GetSection("Kestrel"))
                    .Endpoint("Console", e =>
                    {
                        e.ListenOptions.Protocols = HttpProtocols.Http1AndHttp2;
                        e.HttpsOptions.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    });
            }

            // The same for the ControlPlane's side of a Region's stream: one that leads nowhere any more is closed, so
            // the Region is shown disconnected until it connects again.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            if (File.Exists(options.TlsCertificateFile) && File.Exists(options.TlsKeyFile) && File.Exists(options.CaCertificateFile))
            {
                var authority = CertificateFiles.LoadCertificate(options.CaCertificateFile);
                kestrel.ConfigureHttpsDefaults(https =>
                {
                    https.ServerCertificate = X509Certificate2.CreateFromPemFile(options.TlsCertificateFile, options.TlsKeyFile);
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    // Only the cluster CA counts; which role may call what is decided per call.
                    https.ClientCertificateValidation = (certificate, chain, _) =>
                        ChainValidation.Problem(certificate, chain?.ChainPolicy.ExtraStore, authority, DateTime.UtcNow) is null;
                });
            }
        });
        return builder;
    }

    /// <summary>
    /// The relay's state: in this ControlPlane's own SQLite file, or in the replicated log that every replica shares
    /// (the queue, the break-glass claims, the digest copies, and where each Region's stream is).
    /// </summary>
    private static void AddRelayStore(IServiceCollection services, ControlPlaneOptions options, string? urls)
    {
        if (!options.Replicated)
        {
            services.AddSingleton(sp => new SqliteRelayQueue(Path.Combine(options.DataDirectory, "relay.db"), sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IRelayQueue>(sp => sp.GetRequiredService<SqliteRelayQueue>());
            services.AddSingleton<IAuditDigestCopies, SqliteAuditDigestCopies>();
            services.AddSingleton<IPromotionClaims, SqlitePromotionClaims>();
            services.AddSingleton<IRegionPresence, LocalRegionPresence>();
            services.AddSingleton<IRelayTopology, SingleControlPlane>();
            services.AddSingleton<IReplicaViews, NoOtherReplicas>();
            return;
        }

        var url = (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        var name = string.IsNullOrWhiteSpace(options.ReplicaName) && Uri.TryCreate(url, UriKind.Absolute, out var address)
            ? $"{address.Host}:{address.Port}"
            : options.ReplicaName;
        // Built when first asked for, after PrepareControlPlaneAsync has checked the addresses and files it reads: a
        // --queue the NATS client cannot parse is a start-up refusal, not a crash while the services are resolved.
        services.AddSingleton(_ => new RelayLog(new RelayLogSettings(options.QueueServers, options.CaCertificateFile, options.RelayLogCertificateFile,
            options.RelayLogKeyFile, options.LogReplicas, name, url)));
        services.AddSingleton<IRelayQueue, JetStreamRelayQueue>();
        services.AddSingleton<IAuditDigestCopies, JetStreamAuditDigestCopies>();
        services.AddSingleton<IPromotionClaims, JetStreamPromotionClaims>();
        services.AddSingleton<ReplicatedPresence>();
        services.AddSingleton<IRegionPresence>(sp => sp.GetRequiredService<ReplicatedPresence>());
        services.AddSingleton<IRelayTopology, ReplicatedTopology>();
        services.AddHostedService<ReplicaHeartbeats>();
        services.AddSingleton<SharedViews>();
        services.AddSingleton<IReplicaViews>(sp => sp.GetRequiredService<SharedViews>());
        services.AddHostedService(sp => sp.GetRequiredService<SharedViews>());
    }

    /// <summary>
    /// With a console, the relay's addresses (--urls) and the console's become named Kestrel endpoints, so each can
    /// have its own client-certificate mode; false without one (the relay listens on --urls as before).
    /// </summary>
    private static bool ConsoleListener(ConfigurationManager configuration, ControlPlaneOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConsoleUrl))
        {
            return false;
        }

        var urls = (configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < urls.Length; i++)
        {
            configuration[$"Kestrel:Endpoints:Relay{i}:Url"] = urls[i];
        }

        configuration["Kestrel:Endpoints:Console:Url"] = options.ConsoleUrl;
        return true;
    }

    /// <summary>The console's port, from --console-urls (https with an explicit port); null without a console.</summary>
    private static int? ConsolePort(ControlPlaneOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConsoleUrl))
        {
            return null;
        }

        var match = System.Text.RegularExpressions.Regex.Match(options.ConsoleUrl, @"^https://(\[[0-9a-fA-F:.]+\]|[^:/\[\]]+):([1-9][0-9]{0,4})/?$");
        return match.Success && int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) is var port and <= 65535
            ? port
            : throw new InvalidOperationException($"--console-urls must be one https:// address with its port (got '{options.ConsoleUrl}').");
    }

    /// <summary>Checks the configuration and prepares the relay store; throws <see cref="InvalidOperationException"/> to refuse starting.</summary>
    public static async Task PrepareControlPlaneAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        foreach (var (file, flag) in new[] { (options.CaCertificateFile, "--ca-cert"), (options.TlsCertificateFile, "--tls-cert"), (options.TlsKeyFile, "--tls-key") })
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"{flag} must name an existing PEM file (got '{file}'); `mrk cluster bootstrap` creates them.");
            }
        }

        if (options.PromotionGraceSeconds is < 0 or > 86400)
        {
            throw new InvalidOperationException("--promotion-grace must be between 0 and 86400 seconds.");
        }

        if (options.RegionList.Count == 0 || options.RegionList.Any(r => !System.Text.RegularExpressions.Regex.IsMatch(r, @"^([a-z]+-){2,3}\d+$")))
        {
            throw new InvalidOperationException("--regions must list the cluster's Regions, comma-separated (for example us-east-1,eu-west-1).");
        }

        var urls = app.Configuration["urls"] ?? string.Empty;
        if (urls.Length == 0 || urls.Contains("http://", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("--urls must give https:// addresses: every connection to the ControlPlane is mutual TLS.");
        }

        if (ConsolePort(options) is { } consolePort
            && urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(u => u.TrimEnd('/').EndsWith($":{consolePort}", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("--console-urls needs a port of its own, apart from the relay's --urls.");
        }

        if (!string.IsNullOrWhiteSpace(options.ConsoleKeysFile))
        {
            if (ConsolePort(options) is null)
            {
                throw new InvalidOperationException("--console-keys-file is for the web console: give --console-urls as well.");
            }

            try
            {
                _ = app.Services.GetRequiredService<ConsoleKeys>();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new InvalidOperationException($"--console-keys-file '{options.ConsoleKeysFile}' cannot be used: {e.Message}; `mrk cluster console-key create` writes it.");
            }
        }

        if (options.Replicated)
        {
            RequireReplicatedLog(options);
        }

        Directory.CreateDirectory(options.DataDirectory);
        var queue = app.Services.GetRequiredService<IRelayQueue>();
        await queue.PrepareAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
        Log.Ready(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Grpc.Mrk.ControlPlane"), queue.Describe, string.Join(",", options.RegionList));
    }

    private static void RequireReplicatedLog(ControlPlaneOptions options)
    {
        if (options.QueueServers.Any(s => !Uri.TryCreate(s, UriKind.Absolute, out var server) || server.Scheme is not ("nats" or "tls") || server.Port <= 0))
        {
            throw new InvalidOperationException($"--queue must be sqlite or the relay log's servers as nats://host:port, comma-separated (got '{options.Queue}').");
        }

        foreach (var (file, flag) in new[] { (options.RelayLogCertificateFile, "--log-cert"), (options.RelayLogKeyFile, "--log-key") })
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException(
                    $"{flag} must name an existing PEM file with a nats:// --queue (got '{file}'); `mrk cluster bootstrap` creates relay-log/tls.crt and tls.key.");
            }
        }

        if (options.LogReplicas is < 1 or > 5)
        {
            throw new InvalidOperationException("--log-replicas must be 1-5 (NATS JetStream keeps at most 5 copies; 3 survives the loss of one log server).");
        }
    }

    public static WebApplication MapControlPlane(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        app.UseConsoleListener(ConsolePort(options) ?? -1);
        if (ConsolePort(options) is not null)
        {
            app.MapConsole();
        }

        app.MapGrpcService<RelayEndpoint>();
        app.MapGrpcService<ClusterAdminEndpoint>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapRelayMetrics();
        ServedMethods.RequireDeclared(app, ControlPlaneMethods.Declarations);
        return app;
    }
}
