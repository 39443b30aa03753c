-- Grants on this Region's keys; they go with their key and are never replicated.
CREATE TABLE grants (
    grant_id            TEXT PRIMARY KEY,
    key_id              TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    grantee_principal   TEXT NOT NULL,
    retiring_principal  TEXT,
    issuing_account     TEXT NOT NULL,
    operations          TEXT NOT NULL,
    context_subset      TEXT,
    context_equals      TEXT,
    creation_date       INTEGER NOT NULL
) STRICT;

CREATE INDEX grants_by_key ON grants (key_id, grantee_principal);
CREATE INDEX grants_by_retiring ON grants (retiring_principal) WHERE retiring_principal IS NOT NULL;
