namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>When a committed write must be on disk.</summary>
public enum WriteDurability
{
    /// <summary>Flushed before the commit returns: what a caller is told is done survives a power loss.</summary>
    Immediate,

    /// <summary>
    /// Flushed with the next write that is flushed. For a change that applies another Region's message: the inbox
    /// records the message as applied with a flushed commit before acknowledging it, and that flush carries the change,
    /// so a batch of messages costs one flush rather than one per message. Lost to a power loss before that, the
    /// change is applied again when the unacknowledged message is delivered again.
    /// </summary>
    WithNextFlush,
}
