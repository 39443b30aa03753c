-- Envelopes for other Regions, kept until the ControlPlane has stored them.
CREATE TABLE outbox (
    message_id   TEXT PRIMARY KEY,
    destination  TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    envelope     BLOB NOT NULL
) STRICT;

CREATE INDEX outbox_in_order ON outbox (created_at, sequence);

-- Per peer Region: the next sequence number to send to it, and the last one applied from it (replay protection).
CREATE TABLE relay_peers (
    region    TEXT PRIMARY KEY,
    next_out  INTEGER NOT NULL,
    last_in   INTEGER NOT NULL
) STRICT;
