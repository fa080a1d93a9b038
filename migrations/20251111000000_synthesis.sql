-- Stored files (synthesis hand-ins; later attestation PDFs). Bytes live in the database in
-- chunks, so uploads stream (one chunk in memory at a time), every app instance sees every
-- file without a shared disk, and backups hold the files with the rows that cite them.
-- A file is 'pending' while its bytes arrive; it becomes 'stored' only in the transaction that
-- cites it. Pending files left by a dropped upload are purged by a background job.
CREATE TABLE files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored')),
  media_type text,
  size bigint,
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (state = 'pending' OR (media_type IS NOT NULL AND size IS NOT NULL AND sha256 IS NOT NULL))
);
CREATE INDEX files_pending_idx ON files (created_at) WHERE state = 'pending';

CREATE TABLE file_chunks (
  file_id uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  PRIMARY KEY (file_id, seq)
);

-- One synthesis assignment per course (LTI context), created from the program's synthesis
-- session and configured by the course's instructors. Times are absolute instants.
CREATE TABLE synthesis_assignments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  context_id uuid NOT NULL UNIQUE REFERENCES lti_contexts (id) ON DELETE CASCADE,
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  session_id uuid REFERENCES sessions (id) ON DELETE SET NULL,
  title text NOT NULL,
  instructions_fr text NOT NULL DEFAULT '',
  instructions_en text NOT NULL DEFAULT '',
  opens_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  grace_minutes integer NOT NULL DEFAULT 0 CHECK (grace_minutes BETWEEN 0 AND 1440),
  accept_late boolean NOT NULL DEFAULT false,
  -- When late work is accepted: the last moment it is (null: no limit).
  late_until timestamptz,
  max_points numeric NOT NULL DEFAULT 100 CHECK (max_points > 0 AND max_points <= 1000),
  allowed_types jsonb NOT NULL DEFAULT '["pdf", "docx", "odt"]',
  max_file_bytes bigint NOT NULL DEFAULT 20971520 CHECK (max_file_bytes BETWEEN 1024 AND 104857600),
  max_files integer NOT NULL DEFAULT 5 CHECK (max_files BETWEEN 0 AND 20),
  -- Criteria with levels and points; null: graded with a number only.
  rubric jsonb,
  updated_by uuid REFERENCES people (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (due_at > opens_at),
  CHECK (late_until IS NULL OR late_until > due_at)
);

-- Accommodations: a later due time for one student.
CREATE TABLE synthesis_extensions (
  assignment_id uuid NOT NULL REFERENCES synthesis_assignments (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  due_at timestamptz NOT NULL,
  reason text,
  granted_by uuid REFERENCES people (id) ON DELETE SET NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (assignment_id, person_id)
);

-- The text a student is writing, saved as they type (survives a closed tab).
CREATE TABLE synthesis_drafts (
  assignment_id uuid NOT NULL REFERENCES synthesis_assignments (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  text text NOT NULL,
  saved_at timestamptz NOT NULL,
  PRIMARY KEY (assignment_id, person_id)
);

-- Every version handed in is kept; the receipt is the row (time and hashes).
CREATE TABLE synthesis_submissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  assignment_id uuid NOT NULL REFERENCES synthesis_assignments (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  text text,
  text_sha256 text,
  submitted_at timestamptz NOT NULL,
  late boolean NOT NULL,
  -- The due time that applied (extensions included), for the record.
  due_at timestamptz NOT NULL,
  UNIQUE (assignment_id, person_id, version)
);

CREATE TABLE synthesis_submission_files (
  submission_id uuid NOT NULL REFERENCES synthesis_submissions (id) ON DELETE CASCADE,
  position integer NOT NULL,
  file_id uuid NOT NULL REFERENCES files (id) ON DELETE RESTRICT,
  filename text NOT NULL,
  PRIMARY KEY (submission_id, position)
);
CREATE INDEX synthesis_submission_files_file_idx ON synthesis_submission_files (file_id);

-- One grade per student and assignment: a draft only instructors see, or published (sent to the LMS).
CREATE TABLE synthesis_grades (
  assignment_id uuid NOT NULL REFERENCES synthesis_assignments (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  submission_id uuid REFERENCES synthesis_submissions (id) ON DELETE SET NULL,
  score numeric CHECK (score >= 0),
  rubric_levels jsonb,
  feedback text NOT NULL DEFAULT '',
  state text NOT NULL CHECK (state IN ('draft', 'published')),
  graded_by uuid REFERENCES people (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL,
  published_at timestamptz,
  PRIMARY KEY (assignment_id, person_id)
);

-- Who changed a grade, when, from what to what.
CREATE TABLE synthesis_grade_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  assignment_id uuid NOT NULL REFERENCES synthesis_assignments (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('draft', 'publish')),
  before jsonb,
  after jsonb NOT NULL,
  changed_by uuid REFERENCES people (id) ON DELETE SET NULL,
  changed_at timestamptz NOT NULL
);
CREATE INDEX synthesis_grade_history_target_idx ON synthesis_grade_history (assignment_id, person_id);
