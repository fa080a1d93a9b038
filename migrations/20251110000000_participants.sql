-- Personal links of non-credit participants (public-sector employees imported by organizers).
-- Unlike one-time sign-in links, a personal link opens the person's own page on every device
-- that confirms it, until it is revoked, re-issued or expires. One link per person and event:
-- re-issuing overwrites the hash, so the old URL stops working at once. Only a SHA-256 of the
-- token is stored; the URL is shown once to the organizer who issues it.
CREATE TABLE personal_links (
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  issued_by uuid REFERENCES people (id) ON DELETE SET NULL,
  issued_at timestamptz NOT NULL,
  -- Loi 25: no longer than needed, i.e. 60 days after the event's last day (see README).
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  PRIMARY KEY (event_id, person_id),
  CHECK (expires_at > issued_at)
);
CREATE INDEX personal_links_person_idx ON personal_links (person_id);

-- Participant lists are read per event and role (organizer page, imports).
CREATE INDEX registrations_event_role_idx ON registrations (event_id, role);
