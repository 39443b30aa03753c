-- AWS-shaped access keys for Signature Version 4. The secret is needed to check a signature, so it is kept wrapped
-- under the domain key (re-wrapped by rotate-domain-key), never in the clear.
CREATE TABLE access_keys (
    access_key_id   TEXT PRIMARY KEY,
    principal_arn   TEXT NOT NULL,
    wrapped_secret  BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;

CREATE INDEX access_keys_by_principal ON access_keys (principal_arn);
