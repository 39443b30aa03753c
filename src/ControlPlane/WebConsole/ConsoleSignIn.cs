using System.Net;
using Grpc.Mrk.ControlPlane.Relay;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// Signing in to the console with an operator API key: a form posts the token once, the ControlPlane answers with an
/// HttpOnly, Secure, SameSite=Strict session cookie scoped to /console, and the token is never stored by the browser.
/// Posts from another origin are refused, so no other site can sign a browser in or out.
/// </summary>
public static class ConsoleSignIn
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    private const int MaxFormBytes = 2048;
    private const string ProblemMarker = "<!--problem-->";

    /// <summary>The paths served before admission: the sign-in page and its form, sign-out, and the style they use.</summary>
    public static bool IsOpen(PathString path) =>
        path.Equals(ConsoleEndpoints.Prefix + LoginPath, StringComparison.Ordinal)
        || path.Equals(ConsoleEndpoints.Prefix + LogoutPath, StringComparison.Ordinal)
        || path.Equals(ConsoleEndpoints.Prefix + "/console.css", StringComparison.Ordinal)
        || path.Equals(ConsoleEndpoints.Prefix + "/favicon.svg", StringComparison.Ordinal);

    public static void MapSignIn(this RouteGroupBuilder console)
    {
        console.MapGet(LoginPath, (ConsoleAccess access) => access.KeysConfigured ? Page(null, StatusCodes.Status200OK) : NoKeys());
        console.MapPost(LoginPath, SignInAsync);
        console.MapPost(LogoutPath, (HttpContext http, ConsoleSessions sessions) =>
        {
            if (!SameOrigin(http))
            {
                return Results.Text("Sign-out must come from the console's own page.\n", statusCode: StatusCodes.Status403Forbidden);
            }

            if (http.Request.Cookies[ConsoleAccess.SessionCookie] is { Length: > 0 } session)
            {
                sessions.Close(session);
            }

            http.Response.Cookies.Delete(ConsoleAccess.SessionCookie, CookieOptions(TimeSpan.Zero));
            return Results.Redirect(ConsoleEndpoints.Prefix + LoginPath);
        });
    }

    private static async Task<IResult> SignInAsync(HttpContext http, ConsoleAccess access, ConsoleKeys keys, ConsoleSessions sessions,
        RelayMetrics metrics, ILogger<ConsoleKeys> logger)
    {
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!access.KeysConfigured)
        {
            return NoKeys();
        }

        if (!SameOrigin(http))
        {
            return Refused("the form came from another site", StatusCodes.Status403Forbidden, "Sign in from the console's own page.");
        }

        if (!http.Request.HasFormContentType)
        {
            return Refused("not a form", StatusCodes.Status415UnsupportedMediaType, "Sign in with the form on this page.");
        }

        if (http.Request.ContentLength is not (> 0 and <= MaxFormBytes))
        {
            return Refused("form too large or of unknown length", StatusCodes.Status413PayloadTooLarge, "The form is too large.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var token = form["token"].ToString().Trim();
        var entry = keys.Authenticate(token);
        if (entry is null)
        {
            return Refused("not a valid console key", StatusCodes.Status401Unauthorized, "That is not a valid console key.");
        }

        http.Response.Cookies.Append(ConsoleAccess.SessionCookie, sessions.Open(entry.KeyId), CookieOptions(ConsoleSessions.Lifetime));
        metrics.ConsoleSignIns.Add(1, RelayMetrics.Region("signed_in", "mrk.result"));
        ConsoleLog.SignedIn(logger, entry.KeyId, remote);
        return Results.Redirect(ConsoleEndpoints.Prefix + "/");

        IResult Refused(string reason, int status, string shown)
        {
            metrics.ConsoleSignIns.Add(1, RelayMetrics.Region("refused", "mrk.result"));
            ConsoleLog.SignInRefused(logger, remote, reason);
            return Page(shown, status);
        }
    }

    /// <summary>
    /// A post from the console's own page. Browsers say where a request comes from in Fetch Metadata
    /// (Sec-Fetch-Site), which a page cannot forge; under the console's no-referrer policy their Origin is "null", so it
    /// counts only when it names a site. A caller that sends neither (curl) is no browser another site could steer.
    /// </summary>
    private static bool SameOrigin(HttpContext http)
    {
        var site = http.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }

        var origin = http.Request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"https://{http.Request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    private static CookieOptions CookieOptions(TimeSpan lifetime) => new()
    {
        Path = ConsoleEndpoints.Prefix, Secure = true, HttpOnly = true, SameSite = SameSiteMode.Strict, MaxAge = lifetime, IsEssential = true,
    };

    private static IResult NoKeys() => Results.Text(
        "This ControlPlane has no console keys (--console-keys-file): present an operator certificate of the cluster CA.\n",
        statusCode: StatusCodes.Status404NotFound);

    /// <summary>The sign-in page; a problem is one of this class's own sentences, never text from the request.</summary>
    private static IResult Page(string? problem, int status)
    {
        using var stream = ConsoleEndpoints.AssetStream("login.html");
        using var reader = new StreamReader(stream);
        var html = reader.ReadToEnd().Replace(ProblemMarker,
            problem is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(problem)}</p>", StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
