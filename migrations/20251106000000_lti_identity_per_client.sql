-- A platform user is (issuer, client id, sub), not (issuer, sub): Canvas gives every tenant the
-- same issuer, and each tenant signs its own tokens, so a sub alone would let one tenant speak
-- for another tenant's users.
ALTER TABLE lti_identities ADD COLUMN client_id text;

-- Known courses tell which client a member came through.
UPDATE lti_identities i SET client_id = c.client_id
FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id
WHERE c.issuer = i.issuer AND m.user_sub = i.subject AND i.client_id IS NULL;

-- Otherwise an issuer registered with one client only leaves no doubt.
UPDATE lti_identities i SET client_id = d.client_id
FROM (SELECT issuer, min(client_id) AS client_id FROM lti_deployments GROUP BY issuer HAVING count(DISTINCT client_id) = 1) d
WHERE d.issuer = i.issuer AND i.client_id IS NULL;

-- Anything left cannot be attributed; the person stays and is linked again at the next launch.
DELETE FROM lti_identities WHERE client_id IS NULL;

ALTER TABLE lti_identities ALTER COLUMN client_id SET NOT NULL;
ALTER TABLE lti_identities DROP CONSTRAINT lti_identities_pkey;
ALTER TABLE lti_identities ADD PRIMARY KEY (issuer, client_id, subject);
