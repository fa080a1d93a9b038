-- Attestations de formation (non-credit participants, and credited students who want one),
-- the messages Compagnon sends (or stores when no SMTP server is configured), bulk generation
-- jobs and the keys that sign Open Badges credentials.

-- The eligibility rule of an event (default: 75 % of the in-person hours; excused absences do
-- not count). Absent row = defaults.
CREATE TABLE attestation_policies (
  event_id uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  min_share numeric NOT NULL DEFAULT 0.75 CHECK (min_share BETWEEN 0 AND 1),
  excused_counts boolean NOT NULL DEFAULT false,
  -- Eligible requests are issued without an organizer once the last counted slot has ended.
  auto_issue boolean NOT NULL DEFAULT true,
  updated_by uuid REFERENCES people (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One request per person and event. `waiting`: the event is not over (decided automatically
-- when the last counted slot ends); `review`: in the organizers' queue (not eligible, or
-- automatic issue turned off); `issued`; `refused` with a reason (the person may ask again,
-- which puts it back in the queue).
CREATE TABLE attestation_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  name_on_attestation text NOT NULL CHECK (length(name_on_attestation) BETWEEN 1 AND 200),
  locale text NOT NULL CHECK (locale IN ('fr', 'en')),
  employer text CHECK (length(employer) <= 200),
  hr_email text CHECK (length(hr_email) <= 320),
  status text NOT NULL CHECK (status IN ('waiting', 'review', 'issued', 'refused')),
  decided_by uuid REFERENCES people (id) ON DELETE SET NULL,
  decided_at timestamptz,
  decision_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, person_id),
  CHECK (status <> 'refused' OR decision_reason IS NOT NULL)
);
CREATE INDEX attestation_requests_queue_idx ON attestation_requests (event_id, status);

-- Position of each attestation in the event's revocation status list (Bitstring Status List).
CREATE SEQUENCE attestation_status_index_seq MINVALUE 0 START 0;

-- An issued attestation never changes: every printed field is in `snapshot`, the PDF's bytes
-- are in `files` with their SHA-256 here. Revocation and re-issue only change the status
-- columns (a re-issue is a new row; the old one points to it).
CREATE TABLE attestations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE RESTRICT,
  person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  request_id uuid REFERENCES attestation_requests (id) ON DELETE SET NULL,
  -- 26 Crockford base32 characters (130 random bits), stored without separators.
  code text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{20,}$'),
  locale text NOT NULL CHECK (locale IN ('fr', 'en')),
  snapshot jsonb NOT NULL,
  file_id uuid NOT NULL REFERENCES files (id) ON DELETE RESTRICT,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  status_index integer NOT NULL UNIQUE DEFAULT nextval('attestation_status_index_seq'),
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked', 'superseded')),
  -- NULL: issued automatically.
  issued_by uuid REFERENCES people (id) ON DELETE SET NULL,
  issued_at timestamptz NOT NULL,
  revoked_by uuid REFERENCES people (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  revocation_reason text,
  superseded_by uuid REFERENCES attestations (id) ON DELETE RESTRICT,
  -- Loi 25: after the retention period only the minimum fields stay readable (see README).
  minimised_at timestamptz,
  CHECK (status <> 'revoked' OR (revoked_at IS NOT NULL AND revocation_reason IS NOT NULL)),
  CHECK (status <> 'superseded' OR superseded_by IS NOT NULL)
);
-- At most one valid attestation per person and event.
CREATE UNIQUE INDEX attestations_one_valid_idx ON attestations (event_id, person_id) WHERE status = 'valid';
CREATE INDEX attestations_event_idx ON attestations (event_id, issued_at);

-- Who did what to requests and attestations (issue, approve, refuse, revoke, re-issue, policy).
CREATE TABLE attestation_audit (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Order of entry: several steps can share one instant (and tests run on a fixed clock).
  seq bigint GENERATED ALWAYS AS IDENTITY,
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  request_id uuid REFERENCES attestation_requests (id) ON DELETE SET NULL,
  attestation_id uuid REFERENCES attestations (id) ON DELETE SET NULL,
  -- NULL: done by Compagnon itself (automatic issue).
  actor_id uuid REFERENCES people (id) ON DELETE SET NULL,
  action text NOT NULL,
  reason text,
  details jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attestation_audit_event_idx ON attestation_audit (event_id, at);

-- Bulk generation: one job renders every eligible attestation of an event in the background,
-- with its progress, then a ZIP of all the PDFs.
CREATE TABLE attestation_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  requested_by uuid REFERENCES people (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  total integer NOT NULL DEFAULT 0 CHECK (total >= 0),
  done integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  issued integer NOT NULL DEFAULT 0 CHECK (issued >= 0),
  -- Attestations that could not be made (counted and named in `error`; the others go on).
  failed integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
  zip_file_id uuid REFERENCES files (id) ON DELETE SET NULL,
  -- Why the job failed or which attestations could not be made: {"fr": …, "en": …}.
  error jsonb,
  -- A worker holds the job until then; a crashed worker's job is taken up again after it.
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX attestation_jobs_due_idx ON attestation_jobs (created_at) WHERE status IN ('queued', 'running');

-- Messages to people (personal links, attestation notices, copies to HR). Sent through SMTP
-- when configured, with retries; otherwise kept here as `stored` for organizers to read and
-- pass on, so nothing depends on email.
CREATE TABLE outgoing_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('personal_link', 'attestation_issued', 'attestation_hr_copy', 'attestation_refused', 'attestation_revoked')),
  to_address text NOT NULL CHECK (length(to_address) <= 320),
  subject text NOT NULL,
  body_text text NOT NULL,
  -- A PDF attached from `files` (the attestation), if any.
  attachment_file_id uuid REFERENCES files (id) ON DELETE SET NULL,
  attachment_name text,
  status text NOT NULL CHECK (status IN ('stored', 'pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outgoing_messages_due_idx ON outgoing_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outgoing_messages_event_idx ON outgoing_messages (event_id, created_at);

-- Keys that sign Open Badges 3.0 credentials (VC-JWT), published in /.well-known/jwks.json.
-- The private key is sealed with the application's secret; retired keys stay published so
-- credentials signed with them still verify.
CREATE TABLE credential_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_jwk_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
