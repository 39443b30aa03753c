-- Principals get unique IDs, and each key records which principal (by ID) every ARN its policy names meant when the
-- policy was set: a principal deleted and created again under the same name is a new principal that no earlier
-- policy names, as in AWS.
ALTER TABLE principals ADD COLUMN principal_id TEXT NOT NULL DEFAULT '';
UPDATE principals SET principal_id = (CASE type WHEN 'Role' THEN 'AROA' ELSE 'AIDA' END) || upper(hex(randomblob(9)))
WHERE principal_id = '';
CREATE UNIQUE INDEX principals_by_id ON principals (principal_id);

-- Policies set before IDs existed are bound to the principals whose ARN they name (as a JSON string) today.
ALTER TABLE keys ADD COLUMN policy_principals TEXT NOT NULL DEFAULT '{}';
UPDATE keys SET policy_principals = coalesce(
    (SELECT json_group_object(p.arn, p.principal_id) FROM principals p WHERE instr(keys.policy, '"' || p.arn || '"') > 0), '{}');
