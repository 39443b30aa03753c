using System.Text.Json;
using Grpc.Mrk.ControlPlane.Relay;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// The read-only web console, on a listener of its own (<c>--console-urls</c>): its page and assets, embedded in this
/// assembly (nothing is fetched from elsewhere, so it works offline), and the JSON it reads. Nothing on that listener
/// but the console is served, and the console nowhere else; every request but signing in passes <see cref="ConsoleAccess"/> first.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Prefix = "/console";

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["/"] = "index.html", ["/console.js"] = "console.js", ["/console.css"] = "console.css",
        ["/favicon.svg"] = "favicon.svg",
    };

    private const string VisitorItem = "mrk.console.visitor";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Keeps the console and the relay apart: each listener serves only its own paths.</summary>
    public static void UseConsoleListener(this WebApplication app, int consolePort) => app.Use(async (http, next) =>
    {
        var onConsole = http.Connection.LocalPort == consolePort;
        var consolePath = http.Request.Path.StartsWithSegments(Prefix, StringComparison.Ordinal);
        if (onConsole != consolePath)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (onConsole)
        {
            // The page runs only its own script and style, posts only to itself, is never framed, and nothing it shows
            // is cached.
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            if (!ConsoleSignIn.IsOpen(http.Request.Path))
            {
                var access = http.RequestServices.GetRequiredService<ConsoleAccess>();
                var (visitor, refusal) = access.Admit(http);
                if (refusal is not null)
                {
                    await RefuseAsync(http, refusal, access.KeysConfigured).ConfigureAwait(false);
                    return;
                }

                http.Items[VisitorItem] = visitor;
            }
        }

        await next(http).ConfigureAwait(false);
    });

    /// <summary>
    /// A browser asking for a page is sent to sign in when console keys are configured; everything else (the JSON, a
    /// script) gets the refusal as text.
    /// </summary>
    private static Task RefuseAsync(HttpContext http, ConsoleAccess.Refusal refusal, bool signInOffered)
    {
        var path = http.Request.Path.Value ?? "";
        if (signInOffered && refusal.Status == StatusCodes.Status401Unauthorized && HttpMethods.IsGet(http.Request.Method)
            && (path is Prefix or Prefix + "/" or Prefix + "/index.html"))
        {
            http.Response.Redirect(Prefix + ConsoleSignIn.LoginPath);
            return Task.CompletedTask;
        }

        http.Response.StatusCode = refusal.Status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(refusal.Message + "\n", http.RequestAborted);
    }

    public static void MapConsole(this IEndpointRouteBuilder endpoints)
    {
        var console = endpoints.MapGroup(Prefix);
        console.MapSignIn();
        console.MapGet("/api/session", (HttpContext http) => http.Items[VisitorItem] is ConsoleAccess.Visitor visitor
            ? Results.Json(new { how = visitor.How, name = visitor.Name }, Json)
            : Results.StatusCode(StatusCodes.Status401Unauthorized));
        foreach (var (path, file) in Assets)
        {
            // Routing takes /console and /console/ for one path; the page's relative links need the slash.
            console.MapGet(path, (HttpContext http) => path == "/" && !http.Request.Path.Value!.EndsWith('/') ? Results.Redirect(Prefix + "/") : Asset(file));
        }

        console.MapGet("/api/regions", async (ClusterStatusReader status, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var regions = await status.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(new { now = time.GetUtcNow(), regions }, Json);
        });
        console.MapGet("/api/relay", async (IRelayTopology topology, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var (log, replicas) = await topology.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(new
            {
                now = time.GetUtcNow(),
                answeredBy = topology.ReplicaName,
                log = new
                {
                    kind = log.Kind, healthy = log.Healthy, problem = log.Problem, replicas = log.Replicas,
                    peers = log.Peers.Select(p => new { name = p.Name, leader = p.Leader, current = p.Current, offline = p.Offline, lag = p.Lag }),
                },
                replicas = replicas.Select(r => new
                {
                    name = r.Name, url = r.Url, alive = r.Alive, lastHeartbeat = r.LastHeartbeat?.ToDateTimeOffset(), regions = r.Regions,
                }),
            }, Json);
        });
        console.MapGet("/api/keys", (KeyCensusBoard census, TimeProvider time) =>
        {
            var reports = census.Reports().Select(r => new { region = r.Key, at = r.Value.At, truncated = r.Value.Truncated }).OrderBy(r => r.region);
            return Results.Json(new { now = time.GetUtcNow(), sets = census.Sets(), reports }, Json);
        });
        console.MapGet("/api/audit", (AuditTimeline timeline, TimeProvider time, string? key, string? eventName, string? region, int? limit) =>
        {
            var (names, skipped) = timeline.Summary();
            var events = timeline.Recent(Filter(key), Filter(eventName), Filter(region), Math.Clamp(limit ?? 200, 1, 1000));
            return Results.Json(new { now = time.GetUtcNow(), events, eventNames = names, skipped }, Json);
        });
    }

    private static string? Filter(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static IResult Asset(string file)
    {
        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "text/css; charset=utf-8",
        };
        return Results.Stream(AssetStream(file), type);
    }

    public static Stream AssetStream(string file) => typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("console/" + file)
        ?? throw new InvalidOperationException($"The console's {file} is not embedded in this build.");
}
