-- One-time links an organizer gives an LMS administrator for LTI Dynamic Registration. Only the
-- hash of the secret is kept. Once used, the row records which platform registered through it
-- and who approved it: dynamically registered platforms stay inactive until an organizer does.
CREATE TABLE lti_registration_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  created_by uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  issuer text,
  client_id text,
  platform_name text,
  approved_by uuid REFERENCES people (id) ON DELETE SET NULL,
  approved_at timestamptz
);
CREATE INDEX lti_registration_tokens_platform_idx ON lti_registration_tokens (issuer, client_id);
