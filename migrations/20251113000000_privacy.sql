-- Loi 25: the log of staff access to personal data, and the register of privacy incidents.

-- One row each time a staff member (organizer, instructor, door staff) successfully reads
-- personal data of other people: lists, grids, submissions, attestations, reports, messages,
-- exports. No IP address: who, in which role, what, about whom, through which route, when.
CREATE TABLE privacy_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id uuid REFERENCES people (id) ON DELETE SET NULL,
  -- The staff role the reader holds for the event (organizer, instructor, door_staff).
  actor_role text,
  data_kind text NOT NULL CHECK (length(data_kind) BETWEEN 1 AND 60),
  -- NULL when the page is about many people (a list, a grid, a report).
  subject_person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  event_id uuid REFERENCES events (id) ON DELETE CASCADE,
  context_id uuid REFERENCES lti_contexts (id) ON DELETE SET NULL,
  method text NOT NULL,
  -- The route template (/api/v1/events/:eventId/participants), never the URL with its query.
  route text NOT NULL,
  status_code integer NOT NULL,
  request_id text NOT NULL
);
CREATE INDEX privacy_access_log_event_idx ON privacy_access_log (event_id, at DESC, id DESC);
CREATE INDEX privacy_access_log_subject_idx ON privacy_access_log (subject_person_id, at DESC);

-- The register of confidentiality incidents an event's organizers keep (Loi 25, art. 3.8):
-- what happened, to which information and how many people, whether it risks serious injury,
-- what was done, and when the Commission d'accès à l'information and the people were told.
CREATE TABLE privacy_incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  detected_at timestamptz NOT NULL,
  description text NOT NULL CHECK (length(description) BETWEEN 3 AND 5000),
  categories text NOT NULL CHECK (length(categories) BETWEEN 1 AND 1000),
  people_affected integer CHECK (people_affected >= 0),
  serious_injury_risk text NOT NULL CHECK (serious_injury_risk IN ('to_assess', 'low', 'serious')),
  risk_assessment text CHECK (length(risk_assessment) <= 5000),
  measures text CHECK (length(measures) <= 5000),
  cai_notified_at timestamptz,
  people_notified_at timestamptz,
  status text NOT NULL CHECK (status IN ('open', 'contained', 'closed')),
  created_by uuid REFERENCES people (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  updated_by uuid REFERENCES people (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX privacy_incidents_event_idx ON privacy_incidents (event_id, detected_at DESC);

-- Every change to an incident: who, when, and the fields before and after.
CREATE TABLE privacy_incident_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES privacy_incidents (id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('created', 'updated')),
  changed_by uuid REFERENCES people (id) ON DELETE SET NULL,
  changed_at timestamptz NOT NULL,
  before jsonb,
  after jsonb NOT NULL
);
CREATE INDEX privacy_incident_history_idx ON privacy_incident_history (incident_id, id);
