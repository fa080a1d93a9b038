-- Roster syncs (NRPS) become durable work, like grades: a course with a roster service is due
-- for a sync when first launched, when an instructor asks, and every few hours after that.
-- A worker claims due courses (several instances share them), retries failures with backoff,
-- and keeps the last error for instructors to see.
ALTER TABLE lti_contexts
  ADD COLUMN roster_sync_due_at timestamptz,
  ADD COLUMN roster_sync_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN roster_sync_error text;
CREATE INDEX lti_contexts_roster_due_idx ON lti_contexts (roster_sync_due_at) WHERE roster_sync_due_at IS NOT NULL;
UPDATE lti_contexts SET roster_sync_due_at = now() WHERE memberships_url IS NOT NULL;
