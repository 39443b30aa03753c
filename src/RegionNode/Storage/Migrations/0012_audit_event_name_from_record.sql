-- The list filter's event name is read from the hashed record itself, so it cannot be edited apart from the record:
-- a column of its own was outside the hash chain.
DROP INDEX audit_by_event;
ALTER TABLE audit_records DROP COLUMN event_name;
ALTER TABLE audit_records ADD COLUMN event_name TEXT GENERATED ALWAYS AS (json_extract(json, '$.eventName')) VIRTUAL;
CREATE INDEX audit_by_event ON audit_records (event_name, sequence);
