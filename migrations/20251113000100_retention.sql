-- Loi 25: the retention purge and the erasure / anonymisation requests organizers handle.

-- Set when a person's identifying data was replaced (retention period over, or an erasure
-- request): the row stays so that what must be kept (issued attestations, registrations,
-- attendance counts) still points somewhere, but it no longer says who the person was.
ALTER TABLE people ADD COLUMN anonymised_at timestamptz;

-- What the attendance purge keeps: per session and status, how many records there were,
-- without any person. Added to as records are purged.
CREATE TABLE attendance_session_totals (
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
  count integer NOT NULL CHECK (count >= 0),
  PRIMARY KEY (session_id, status)
);

-- Each purge run: when, how it was started, and per kind of data how many rows went.
-- No personal data (no ids of people, not even the organizer who started it: see the
-- erasure audit for actions about people).
CREATE TABLE retention_purge_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id uuid NOT NULL,
  ran_at timestamptz NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'organizer')),
  kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
  count integer NOT NULL CHECK (count >= 0)
);
CREATE INDEX retention_purge_log_ran_idx ON retention_purge_log (ran_at DESC);

-- A person's request to have their data erased, received by an event's organizers. The
-- request is kept (Loi 25: requests and their answers are accountable); the person it names
-- is anonymised when an organizer confirms it.
CREATE TABLE erasure_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  -- When and how the person asked (not when it was typed in).
  requested_at timestamptz NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'phone', 'in_person', 'letter', 'other')),
  reason text CHECK (length(reason) <= 1000),
  status text NOT NULL CHECK (status IN ('recorded', 'done')),
  recorded_by uuid REFERENCES people (id) ON DELETE SET NULL,
  recorded_at timestamptz NOT NULL,
  completed_by uuid REFERENCES people (id) ON DELETE SET NULL,
  completed_at timestamptz,
  -- Rows erased or anonymised per kind of data, once done.
  counts jsonb,
  CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX erasure_requests_event_idx ON erasure_requests (event_id, recorded_at DESC);

-- Every step of a request: recorded, confirmed (and confirmations repeated), by whom, when.
CREATE TABLE erasure_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES erasure_requests (id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('recorded', 'confirmed', 'confirmed_again')),
  actor_id uuid REFERENCES people (id) ON DELETE SET NULL,
  at timestamptz NOT NULL,
  details jsonb
);
CREATE INDEX erasure_audit_request_idx ON erasure_audit (request_id, id);
