-- Callers this Region knows, and their API keys (only a salted SHA-256 of each secret is stored).
CREATE TABLE principals (
    arn         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    key_id         TEXT PRIMARY KEY,
    principal_arn  TEXT NOT NULL,
    salt           BLOB NOT NULL,
    secret_hash    BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) STRICT;

CREATE INDEX api_keys_by_principal ON api_keys (principal_arn);
