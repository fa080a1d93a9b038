-- Erasure leaves a sealed tombstone per LMS identity it removed: an HMAC of (issuer, subject)
-- keyed by a secret kept outside the database (derived from CODE_SECRET), so a copy of the
-- database alone cannot tell whose account was erased. Roster syncs and launches look here
-- before creating a person: an erased person is not brought back by the LMS.
CREATE TABLE erasure_tombstones (
  identity_hash text PRIMARY KEY CHECK (identity_hash ~ '^[0-9a-f]{64}$'),
  erased_at timestamptz NOT NULL
);

-- A confirmation refused (the person also belongs to events the caller does not organize) is
-- accountable too: it is logged on the request, with the events whose organizers must agree.
ALTER TABLE erasure_audit DROP CONSTRAINT erasure_audit_action_check;
ALTER TABLE erasure_audit ADD CONSTRAINT erasure_audit_action_check CHECK (action IN ('recorded', 'confirmed', 'confirmed_again', 'refused'));
