-- The Region's audit log: append-only, each record chained to the previous by hash (hash = SHA-256(previous hash || json)).
CREATE TABLE audit_records (
    sequence    INTEGER PRIMARY KEY,
    event_name  TEXT NOT NULL,
    json        TEXT NOT NULL,
    hash        BLOB NOT NULL
) STRICT;

CREATE INDEX audit_by_event ON audit_records (event_name, sequence);
