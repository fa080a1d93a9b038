-- LTI 1.3: ltijs storage on our database (no MongoDB), and our own LTI records.

-- ltijs' nine collections in one table. `fields` holds what ltijs queries by: the whole
-- document for plain collections, only the index for encrypted ones, whose document is
-- sealed (AES-256-GCM) in `sealed`. Uniqueness is enforced where ltijs relies on it.
CREATE TABLE lti_store (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  collection text NOT NULL CHECK (collection IN ('platform', 'platformStatus', 'publickey', 'privatekey', 'accesstoken',
                                                 'nonce', 'state', 'idtoken', 'contexttoken')),
  fields jsonb NOT NULL,
  sealed text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX lti_store_fields_idx ON lti_store USING gin (fields jsonb_path_ops);
CREATE INDEX lti_store_collection_idx ON lti_store (collection);
CREATE INDEX lti_store_expiry_idx ON lti_store (expires_at) WHERE expires_at IS NOT NULL;
CREATE UNIQUE INDEX lti_store_nonce_key ON lti_store ((fields ->> 'nonce')) WHERE collection = 'nonce';
CREATE UNIQUE INDEX lti_store_state_key ON lti_store ((fields ->> 'state')) WHERE collection = 'state';
CREATE UNIQUE INDEX lti_store_publickey_key ON lti_store ((fields ->> 'kid')) WHERE collection = 'publickey';
CREATE UNIQUE INDEX lti_store_privatekey_key ON lti_store ((fields ->> 'kid')) WHERE collection = 'privatekey';
CREATE UNIQUE INDEX lti_store_platform_key ON lti_store ((fields ->> 'platformUrl'), (fields ->> 'clientId')) WHERE collection = 'platform';
CREATE UNIQUE INDEX lti_store_platform_status_key ON lti_store ((fields ->> 'id')) WHERE collection = 'platformStatus';
CREATE UNIQUE INDEX lti_store_accesstoken_key ON lti_store ((fields ->> 'platformUrl'), (fields ->> 'clientId'), (fields ->> 'scopes'))
  WHERE collection = 'accesstoken';

-- The single-use state issued at login initiation, bound to the nonce sent with it: the
-- id_token must come back with both (ltijs does not check the pair).
CREATE TABLE lti_login_states (
  state_hash text PRIMARY KEY,
  nonce text NOT NULL,
  issuer text NOT NULL,
  client_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX lti_login_states_expiry_idx ON lti_login_states (expires_at);

-- Deployments we accept, per platform registration (ltijs does not check deployment ids).
CREATE TABLE lti_deployments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuer text NOT NULL,
  client_id text NOT NULL,
  deployment_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, client_id, deployment_id)
);

-- Who a platform user is for us: (issuer, sub) → person.
CREATE TABLE lti_identities (
  issuer text NOT NULL,
  subject text NOT NULL,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_launch_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX lti_identities_person_idx ON lti_identities (person_id);

-- A course in an LMS (an LTI context), tied to the event it follows.
CREATE TABLE lti_contexts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  issuer text NOT NULL,
  client_id text NOT NULL,
  deployment_id text NOT NULL,
  context_id text NOT NULL,
  label text,
  title text,
  event_id uuid REFERENCES events (id) ON DELETE SET NULL,
  -- Service endpoints from the latest launch (AGS line items, NRPS memberships).
  lineitems_url text,
  memberships_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, client_id, deployment_id, context_id)
);
