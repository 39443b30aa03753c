-- A grant names its grantee and retiring principal by ARN and means the principals that held those names when it was
-- created, by unique ID, as a key policy does: a principal deleted and created again under the same name gets nothing
-- from grants made before. Grants made earlier are bound to the principals that hold the names today.
ALTER TABLE grants ADD COLUMN grantee_id TEXT;
ALTER TABLE grants ADD COLUMN retiring_id TEXT;
UPDATE grants SET grantee_id = (SELECT p.principal_id FROM principals p WHERE p.arn = grants.grantee_principal);
UPDATE grants SET retiring_id = (SELECT p.principal_id FROM principals p WHERE p.arn = grants.retiring_principal)
WHERE retiring_principal IS NOT NULL;
