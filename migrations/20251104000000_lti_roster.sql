-- A course's roster as the LMS reports it (NRPS), so absentees and credited students are
-- known even if they never launched Compagnon.
CREATE TABLE lti_roster_members (
  context_id uuid NOT NULL REFERENCES lti_contexts (id) ON DELETE CASCADE,
  user_sub text NOT NULL,
  person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  roles jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('Active', 'Inactive', 'Deleted')),
  synced_at timestamptz NOT NULL,
  PRIMARY KEY (context_id, user_sub)
);

ALTER TABLE lti_contexts ADD COLUMN roster_synced_at timestamptz;
