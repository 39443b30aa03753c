-- Envelopes stored for delivery, per destination Region, in arrival order (rowid), until the destination acknowledges.
CREATE TABLE queue (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    TEXT NOT NULL,
    source        TEXT NOT NULL,
    destination   TEXT NOT NULL,
    enqueued_at   INTEGER NOT NULL,
    envelope      BLOB NOT NULL,
    UNIQUE (source, message_id)
) STRICT;

CREATE INDEX queue_by_destination ON queue (destination, seq);
