namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>The console's log messages. No message carries a token, a secret or a session ID.</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(20, LogLevel.Information, "Console keys read from {Path}: {Count} keys")]
    public static partial void KeysReloaded(ILogger logger, string path, int count);

    [LoggerMessage(21, LogLevel.Error, "Console keys file {Path} cannot be used, so no console key is accepted until it is fixed: {Reason}")]
    public static partial void KeysUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(22, LogLevel.Information, "Console sign-in with key {KeyId} from {Remote}")]
    public static partial void SignedIn(ILogger logger, string keyId, string remote);

    [LoggerMessage(23, LogLevel.Warning, "Console sign-in refused from {Remote}: {Reason}")]
    public static partial void SignInRefused(ILogger logger, string remote, string reason);
}
