-- Linking two accounts of one person (a credited student from the LMS, the same human imported
-- as an employee): a short code shown while signed in as one account, typed while signed in as
-- the other. Only a SHA-256 of the code is kept; it works once, for 10 minutes.
CREATE TABLE account_link_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  code_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX account_link_codes_person_idx ON account_link_codes (person_id);
