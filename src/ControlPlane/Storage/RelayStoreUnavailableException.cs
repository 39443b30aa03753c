namespace Grpc.Mrk.ControlPlane.Storage;

/// <summary>
/// What keeps the relay's state could not be reached in time (a replicated log electing a leader for longer than the
/// retries wait, or out of reach): nothing was stored or removed, and the call may be made again.
/// </summary>
public sealed class RelayStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
