-- A Region whose store went back (a restore) or started empty (a rebuild) does not know how far its peers got in its
-- sequence: per peer, the nonce of the question it asked them. While it is set nothing else is sent to that peer;
-- the answer (SequenceFloor) moves the sequence past what the peer applied and clears it.
ALTER TABLE relay_peers ADD COLUMN floor_nonce TEXT;
