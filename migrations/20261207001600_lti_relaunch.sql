-- Issue 16: a launch whose login cookie did not come back (third-party cookies blocked in the
-- LMS frame) can be restarted once, top-level, from the error page. The login initiation's own
-- parameters are kept with its state (10 minutes, then purged) so that the relaunch asks the
-- platform again without putting them in any address.
ALTER TABLE lti_login_states
  -- iss, login_hint, target_link_uri, lti_message_hint, client_id, lti_deployment_id as sent.
  ADD COLUMN login_params jsonb,
  -- This login was itself a relaunch: a second cookie failure offers no further relaunch.
  ADD COLUMN relaunched boolean NOT NULL DEFAULT false,
  -- SHA-256 of the one-time relaunch token offered after the cookie failure (the token is never stored).
  ADD COLUMN relaunch_hash text UNIQUE,
  ADD COLUMN relaunch_expires_at timestamptz,
  ADD COLUMN relaunch_used_at timestamptz;
