using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// Browser sessions opened by signing in with a console key: a random 256-bit ID in an HttpOnly cookie, held in this
/// process only (a restart signs everyone out), ending after <see cref="Lifetime"/>, at sign-out, or when its key is
/// revoked. At most <see cref="Capacity"/> are held; the oldest give way.
/// </summary>
public sealed class ConsoleSessions(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public const int Capacity = 1000;

    private sealed record Session(string KeyId, DateTimeOffset Opened);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public string Open(string keyId)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _sessions.Where(s => now - s.Value.Opened >= Lifetime).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(expired, out _);
        }

        foreach (var oldest in _sessions.OrderBy(s => s.Value.Opened).Take(Math.Max(0, _sessions.Count - Capacity + 1)).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(oldest, out _);
        }

        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = new Session(keyId, now);
        return id;
    }

    /// <summary>The key a live session was opened with; null for an unknown or expired session.</summary>
    public string? KeyOf(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        if (time.GetUtcNow() - session.Opened < Lifetime)
        {
            return session.KeyId;
        }

        _sessions.TryRemove(id, out _);
        return null;
    }

    public void Close(string id) => _sessions.TryRemove(id, out _);
}
