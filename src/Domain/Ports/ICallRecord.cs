namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>
/// The audit record a call owes for what it changes, opened before the call runs. The domain hands it, with the
/// change, to the store, which writes it in the change's own transaction: a change is never stored without its record.
/// Opaque here; the audit log gives it its content.
/// </summary>
public interface ICallRecord;
