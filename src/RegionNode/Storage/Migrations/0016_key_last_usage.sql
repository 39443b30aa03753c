-- Each key's last successful cryptographic use in this Region (GetKeyLastUsage), written by the audit writer in the
-- same transaction as that use's record, so the two always agree. One row per key, replaced by each later use.
CREATE TABLE key_last_usage (
    key_id      TEXT PRIMARY KEY,
    operation   TEXT NOT NULL,
    used_at     INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    request_id  TEXT
) STRICT;
