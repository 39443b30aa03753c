-- Copies of the Regions' signed audit digests, kept apart from the Regions: a log cut short in a Region's own store
-- (records and digests removed together) no longer matches them. The first key a Region published is the one its
-- digests must verify with from then on.
CREATE TABLE audit_keys (
    region      TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL
) STRICT;

CREATE TABLE audit_digests (
    region      TEXT NOT NULL,
    sequence    INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    signature   BLOB NOT NULL,
    PRIMARY KEY (region, sequence)
) STRICT;
