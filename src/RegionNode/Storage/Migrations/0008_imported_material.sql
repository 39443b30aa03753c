-- Imported key material: a version may be known without its material in this Region (pending import, expired or
-- deleted), so wrapped becomes optional; each import records its expiry and description. SQLite cannot relax NOT NULL
-- in place, so the table is rebuilt.
CREATE TABLE key_materials_new (
    key_id            TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    material_id       TEXT NOT NULL,
    ordinal           INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    rotation_type     TEXT,
    state             TEXT NOT NULL,
    wrapped           BLOB,
    expiration_model  TEXT,
    valid_to          INTEGER,
    import_description TEXT,
    PRIMARY KEY (key_id, material_id)
) STRICT;

INSERT INTO key_materials_new (key_id, material_id, ordinal, created_at, rotation_type, state, wrapped)
SELECT key_id, material_id, ordinal, created_at, rotation_type, state, wrapped FROM key_materials;

DROP TABLE key_materials;
ALTER TABLE key_materials_new RENAME TO key_materials;

-- The expiry sweep: held imported material by ValidTo.
CREATE INDEX key_materials_by_valid_to ON key_materials (valid_to) WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL;

-- GetParametersForImport: one row per unused token, found by the token's SHA-256 (the token itself is not stored).
-- The private wrapping key is kept only wrapped under the domain key; rows go when used, when the key goes, or 24
-- hours after they were issued.
CREATE TABLE import_parameters (
    token_id            TEXT PRIMARY KEY,
    key_id              TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    wrapping_algorithm  TEXT NOT NULL,
    wrapping_key_spec   TEXT NOT NULL,
    wrapped_private_key BLOB NOT NULL,
    created_at          INTEGER NOT NULL,
    valid_to            INTEGER NOT NULL
) STRICT;

CREATE INDEX import_parameters_by_key ON import_parameters (key_id, created_at);
CREATE INDEX import_parameters_by_valid_to ON import_parameters (valid_to);
