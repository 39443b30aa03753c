-- Signed digests sealing the log up to a record: a removed tail or a rewritten chain no longer matches them.
CREATE TABLE audit_digests (
    sequence    INTEGER PRIMARY KEY,
    hash        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    signature   BLOB NOT NULL
) STRICT;
