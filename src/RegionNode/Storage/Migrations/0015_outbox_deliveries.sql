-- The material versions (by ID, a JSON array) a message carries to its destination. The material itself is read from
-- the key, sealed for the destination, as the message leaves: the outbox never holds material in any form.
ALTER TABLE outbox ADD COLUMN deliver TEXT;
