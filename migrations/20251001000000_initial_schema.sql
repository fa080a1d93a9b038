-- Compagnon: initial domain model. Frozen once landed: change the schema with a new file.
-- Runs unchanged on PostgreSQL 15+ and on PGlite.

CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9-]*$'),
  title_fr text NOT NULL,
  title_en text NOT NULL,
  timezone text NOT NULL,
  location text,
  contact_phone text,
  contact_email text,
  course_code text,
  course_title text,
  course_credits integer CHECK (course_credits >= 0),
  description_fr text,
  description_en text,
  objectives_fr jsonb NOT NULL DEFAULT '[]',
  objectives_en jsonb NOT NULL DEFAULT '[]',
  attestation_fr text,
  attestation_en text,
  starts_on date NOT NULL,
  ends_on date NOT NULL CHECK (ends_on >= starts_on),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_days (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  date date NOT NULL,
  UNIQUE (event_id, date)
);

CREATE TABLE rooms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  key text NOT NULL,
  name text NOT NULL,
  capacity integer CHECK (capacity > 0),
  UNIQUE (event_id, key)
);

-- A time slot groups the sessions that run at the same time: a participant attends at
-- most one session per slot. Only some slots count toward attendance (not breaks, meals).
CREATE TABLE time_slots (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  day_id uuid NOT NULL REFERENCES event_days (id) ON DELETE CASCADE,
  key text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  counts_toward_attendance boolean NOT NULL,
  UNIQUE (event_id, key),
  CHECK (ends_at > starts_at)
);
CREATE INDEX time_slots_event_start_idx ON time_slots (event_id, starts_at);

CREATE TABLE speakers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  key text NOT NULL,
  name text NOT NULL,
  affiliation text,
  UNIQUE (event_id, key)
);

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  slot_id uuid NOT NULL REFERENCES time_slots (id),
  key text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('opening_activity', 'keynote', 'round_table', 'case_study', 'workshop', 'synthesis',
                                     'welcome', 'break', 'meal', 'networking')),
  title text NOT NULL,
  language text NOT NULL CHECK (language IN ('fr', 'en')),
  mode text NOT NULL CHECK (mode IN ('in_person', 'online')),
  audience text NOT NULL CHECK (audience IN ('everyone', 'credited')),
  room_id uuid REFERENCES rooms (id) ON DELETE SET NULL,
  description text,
  description_provisional boolean NOT NULL DEFAULT false,
  speakers_to_be_confirmed boolean NOT NULL DEFAULT false,
  position integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, key),
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX sessions_slot_idx ON sessions (slot_id);

CREATE TABLE session_speakers (
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  speaker_id uuid NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
  position integer NOT NULL,
  role text NOT NULL CHECK (role IN ('speaker', 'panelist', 'facilitator', 'opening_remarks')),
  -- The affiliation as printed for this session, when it differs from the speaker's usual one.
  affiliation text,
  PRIMARY KEY (session_id, speaker_id)
);
CREATE INDEX session_speakers_speaker_idx ON session_speakers (speaker_id);

CREATE TABLE people (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text,
  display_name text NOT NULL,
  given_name text,
  family_name text,
  employer text,
  preferred_locale text NOT NULL DEFAULT 'fr' CHECK (preferred_locale IN ('fr', 'en')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Emails identify people case-insensitively; LTI users may have none.
CREATE UNIQUE INDEX people_email_key ON people (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE registrations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('credited_student', 'participant', 'instructor', 'organizer', 'door_staff')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES people (id) ON DELETE SET NULL,
  UNIQUE (event_id, person_id, role)
);
CREATE INDEX registrations_person_idx ON registrations (person_id);

-- One-time links (first organizer, invitations). Only a SHA-256 of the token is stored.
CREATE TABLE sign_in_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  purpose text NOT NULL CHECK (purpose IN ('bootstrap', 'invitation', 'sign_in')),
  created_by uuid REFERENCES people (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Long-lived, revocable sessions of one device; exchanged for short-lived JWTs.
CREATE TABLE device_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX device_sessions_person_idx ON device_sessions (person_id);

-- Who attended which session. One record per person and slot: attending a parallel
-- session moves the record. Sessions with records are cancelled, never deleted (RESTRICT).
CREATE TABLE attendance_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  slot_id uuid NOT NULL REFERENCES time_slots (id) ON DELETE RESTRICT,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE RESTRICT,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
  recorded_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (slot_id, person_id)
);
CREATE INDEX attendance_records_session_idx ON attendance_records (session_id);

CREATE TABLE program_imports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  source text NOT NULL,
  sha256 text NOT NULL,
  imported_by uuid REFERENCES people (id) ON DELETE SET NULL,
  summary jsonb NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
