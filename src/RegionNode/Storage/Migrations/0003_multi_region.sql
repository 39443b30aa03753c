-- Multi-Region bookkeeping on a key: the state to return to after a primary hand-off, the primary's record of what
-- each replica acknowledged (JSON), and when anti-entropy next has something to repeat for it.
ALTER TABLE keys ADD COLUMN state_before_update TEXT;
ALTER TABLE keys ADD COLUMN mr_progress TEXT;
ALTER TABLE keys ADD COLUMN mr_next_sync INTEGER;

CREATE INDEX keys_by_next_sync ON keys (mr_next_sync) WHERE mr_next_sync IS NOT NULL;

-- Multi-Region keys this Region deleted for good: no material, only what answers late messages about them.
CREATE TABLE key_tombstones (
    key_id          TEXT PRIMARY KEY,
    primary_region  TEXT NOT NULL,
    epoch           INTEGER NOT NULL,
    sync_version    INTEGER NOT NULL,
    deleted_at      INTEGER NOT NULL
) STRICT;
