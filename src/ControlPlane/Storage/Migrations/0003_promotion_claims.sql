-- Break-glass promotions granted: one Region per key set and epoch, ever, so two replicas can never both take over
-- a set whose primary is lost.
CREATE TABLE promotion_claims (
    key_id      TEXT NOT NULL,
    from_epoch  INTEGER NOT NULL,
    region      TEXT NOT NULL,
    claimed_at  INTEGER NOT NULL,
    PRIMARY KEY (key_id, from_epoch)
) STRICT;
