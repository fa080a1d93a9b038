-- A deep-linking launch waiting for the instructor's choice. The validated launch is needed to
-- answer the platform; it holds personal data, so it is sealed and expires after 30 minutes.
CREATE TABLE lti_deep_link_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  launch_sealed text NOT NULL,
  accept_multiple boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX lti_deep_link_requests_expiry_idx ON lti_deep_link_requests (expires_at);
