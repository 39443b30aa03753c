-- Envelopes that failed to apply (a payload that does not decode, or a failure while applying it), set aside so the
-- queue behind them moves on, and kept for an operator to look at. At most the newest 1,000 are kept.
CREATE TABLE dead_letters (
    message_id    TEXT    NOT NULL PRIMARY KEY,
    source_region TEXT    NOT NULL,
    sequence      INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    reason        TEXT    NOT NULL,
    envelope      BLOB    NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (received_at);

-- A multi-Region key's latest hand-offs of the primary role (JSON), each signed by the Region that gave the role up.
ALTER TABLE keys ADD COLUMN mr_hand_offs TEXT;
