-- Keys of this Region. Times are UTC ticks (100 ns since 0001-01-01) so they round-trip exactly.
CREATE TABLE keys (
    key_id                    TEXT PRIMARY KEY,
    creation_date             INTEGER NOT NULL,
    key_spec                  TEXT NOT NULL,
    key_usage                 TEXT NOT NULL,
    origin                    TEXT NOT NULL,
    key_state                 TEXT NOT NULL,
    description               TEXT NOT NULL,
    policy                    TEXT NOT NULL,
    tags                      TEXT NOT NULL,
    deletion_date             INTEGER,
    pending_window_days       INTEGER,
    rotation_enabled          INTEGER NOT NULL,
    rotation_period_days      INTEGER,
    next_rotation_date        INTEGER,
    on_demand_rotation_start  INTEGER,
    multi_region              INTEGER NOT NULL,
    primary_region            TEXT,
    replica_regions           TEXT,
    mr_epoch                  INTEGER,
    mr_sync_version           INTEGER
) STRICT;

CREATE INDEX keys_by_deletion_date ON keys (deletion_date) WHERE deletion_date IS NOT NULL;
CREATE INDEX keys_by_next_rotation ON keys (next_rotation_date) WHERE next_rotation_date IS NOT NULL;

-- Every material version, only ever wrapped under the Region's domain key.
CREATE TABLE key_materials (
    key_id         TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    material_id    TEXT NOT NULL,
    ordinal        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    rotation_type  TEXT,
    state          TEXT NOT NULL,
    wrapped        BLOB NOT NULL,
    PRIMARY KEY (key_id, material_id)
) STRICT;

CREATE TABLE aliases (
    alias_name         TEXT PRIMARY KEY,
    target_key_id      TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    creation_date      INTEGER NOT NULL,
    last_updated_date  INTEGER NOT NULL
) STRICT;

CREATE INDEX aliases_by_target ON aliases (target_key_id, alias_name);

-- Node facts, such as the check value that proves the domain key is the one the store was made with.
CREATE TABLE node_meta (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
) STRICT;
