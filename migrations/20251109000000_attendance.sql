-- Attendance: how each check-in arrived, every change kept, scans made offline or before
-- signing in, typed-code attempts, advance choices of a parallel session, excuses, and the
-- event's rules (check-in window, late threshold, grade weights).

ALTER TABLE attendance_records
  ADD COLUMN method text NOT NULL DEFAULT 'manual' CHECK (method IN ('room_code', 'typed_code', 'pass', 'manual')),
  -- When the phone or scanner saw the person (offline scans arrive later), and when we did.
  ADD COLUMN device_time timestamptz,
  ADD COLUMN received_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN recorded_by uuid REFERENCES people (id) ON DELETE SET NULL;
CREATE INDEX attendance_records_person_idx ON attendance_records (person_id);

-- Every change to a person's attendance in a slot: check-in, move to a parallel session,
-- correction, excuse decision. Who, when, before, after, and why.
CREATE TABLE attendance_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  slot_id uuid NOT NULL REFERENCES time_slots (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('check_in', 'move', 'correction', 'excuse')),
  before jsonb,
  after jsonb,
  reason text,
  changed_by uuid REFERENCES people (id) ON DELETE SET NULL,
  changed_at timestamptz NOT NULL
);
CREATE INDEX attendance_history_person_idx ON attendance_history (person_id, slot_id);

-- Scans uploaded by door scanners (possibly offline, possibly twice): the scan id makes an
-- upload idempotent, and the stored outcome is answered again on a retry.
CREATE TABLE attendance_scans (
  scan_id uuid PRIMARY KEY,
  scanned_by uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  pass_code text NOT NULL,
  device_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  outcome jsonb NOT NULL
);

-- A room code scanned on a phone with no Compagnon session yet: it counts once the person
-- signs in on that phone, while the session still accepts check-ins.
CREATE TABLE attendance_pending_scans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_hash text NOT NULL,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  scanned_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX attendance_pending_scans_device_idx ON attendance_pending_scans (device_hash);

-- Wrong typed codes, to cap guessing per person.
CREATE TABLE attendance_code_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX attendance_code_attempts_person_idx ON attendance_code_attempts (person_id, attempted_at);

-- Personal passes (badge QR and short code), scan-only. The code is derived with the server's
-- secret; re-issuing (a lost badge) bumps the version and the old code stops working.
CREATE TABLE attendance_passes (
  person_id uuid PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
  version integer NOT NULL DEFAULT 1,
  code text NOT NULL UNIQUE,
  issued_at timestamptz NOT NULL
);

-- A parallel session chosen in advance (counted against its room's capacity).
CREATE TABLE attendance_choices (
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  slot_id uuid NOT NULL REFERENCES time_slots (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  chosen_at timestamptz NOT NULL,
  PRIMARY KEY (person_id, slot_id)
);
CREATE INDEX attendance_choices_session_idx ON attendance_choices (session_id);

-- Excuses participants submit for a slot, before or after; instructors decide.
CREATE TABLE attendance_excuses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  slot_id uuid NOT NULL REFERENCES time_slots (id) ON DELETE CASCADE,
  reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'refused')),
  submitted_at timestamptz NOT NULL,
  decided_by uuid REFERENCES people (id) ON DELETE SET NULL,
  decided_at timestamptz,
  UNIQUE (person_id, slot_id)
);

-- The event's attendance rules; defaults apply until an organizer changes them.
CREATE TABLE attendance_policies (
  event_id uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  open_before_minutes integer NOT NULL DEFAULT 30 CHECK (open_before_minutes BETWEEN 0 AND 240),
  close_after_minutes integer NOT NULL DEFAULT 45 CHECK (close_after_minutes BETWEEN 0 AND 480),
  late_after_minutes integer NOT NULL DEFAULT 10 CHECK (late_after_minutes BETWEEN 0 AND 480),
  weight_present numeric NOT NULL DEFAULT 1 CHECK (weight_present BETWEEN 0 AND 1),
  weight_late numeric NOT NULL DEFAULT 0.75 CHECK (weight_late BETWEEN 0 AND 1),
  excused text NOT NULL DEFAULT 'present' CHECK (excused IN ('present', 'omit')),
  over text NOT NULL DEFAULT 'held' CHECK (over IN ('held', 'all')),
  updated_by uuid REFERENCES people (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
