using System.Net;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// Who may read the console: an operator certificate of the cluster CA; an operator API key (<see cref="ConsoleKeys"/>),
/// sent as <c>authorization: Bearer mrkc_...</c> or signed in once for a browser session (<see cref="ConsoleSessions"/>);
/// without either, only a caller on loopback and only when the ControlPlane was started for a local cluster
/// (<c>--insecure-console-loopback</c>). Any other certificate (a Region's, a principal's) is refused even on loopback,
/// and so is a key or session that is not valid: credentials that fail never fall back to anonymous access.
/// </summary>
public sealed class ConsoleAccess(ClusterTrust trust, ConsoleKeys keys, ConsoleSessions sessions, bool anonymousOnLoopback)
{
    public const string SessionCookie = "mrk_console";

    public sealed record Refusal(int Status, string Message);

    /// <summary>How the caller was admitted: "certificate", "api-key" (header), "session" or "loopback", and by what name.</summary>
    public sealed record Visitor(string How, string Name);

    public bool KeysConfigured => keys.Configured;

    public (Visitor? Visitor, Refusal? Refusal) Admit(HttpContext http)
    {
        if (http.Connection.ClientCertificate is { } certificate)
        {
            var (identity, reason) = trust.Check(certificate, null, ClusterRole.Operator);
            return identity is not null
                ? (new Visitor("certificate", identity.Name), null)
                : (null, new Refusal(StatusCodes.Status403Forbidden, $"The console is for operators: {reason}."));
        }

        if (http.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            const string bearer = "Bearer ";
            var entry = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? keys.Authenticate(authorization[bearer.Length..].Trim()) : null;
            return entry is not null
                ? (new Visitor("api-key", entry.KeyId), null)
                : (null, new Refusal(StatusCodes.Status401Unauthorized, "The console is for operators: the authorization header holds no valid console key."));
        }

        // Without console keys no session can exist: a cookie left from a run that had them is no credential.
        if (keys.Configured && http.Request.Cookies[SessionCookie] is { Length: > 0 } session)
        {
            var keyId = sessions.KeyOf(session);
            if (keyId is not null && keys.Holds(keyId))
            {
                return (new Visitor("session", keyId), null);
            }

            sessions.Close(session);
            return (null, new Refusal(StatusCodes.Status401Unauthorized, "The console session has ended: sign in again."));
        }

        return anonymousOnLoopback && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
            ? (new Visitor("loopback", "anonymous"), null)
            : (null, new Refusal(StatusCodes.Status401Unauthorized,
                "The console is for operators: present an operator certificate of the cluster CA" + (keys.Configured ? " or sign in with a console key." : ".")));
    }
}
