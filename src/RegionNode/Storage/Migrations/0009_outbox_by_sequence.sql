-- Envelopes leave in sequence order: per destination that is the order their changes committed in, which the
-- receiver's replay protection relies on (it applies a sequence only if it is newer than the last one applied).
CREATE INDEX outbox_by_sequence ON outbox (sequence);
