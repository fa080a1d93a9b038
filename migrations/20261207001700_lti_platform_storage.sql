-- Issue 16 (b): when the platform's login initiation names an `lti_storage_target` (Canvas,
-- Brightspace, Blackboard), the login is also bound to the browser through the platform's own
-- storage (1EdTech "LTI Client Side postMessages" / "Platform Storage"), for frames whose
-- cookies are blocked: a random per-login secret goes into that storage, only its hash here.
ALTER TABLE lti_login_states
  -- The window the tool's pages post lti.put_data / lti.get_data to ('_parent' or a frame name).
  ADD COLUMN storage_target text,
  -- The targetOrigin of those messages and the only origin whose answers count: the platform's OIDC auth endpoint.
  ADD COLUMN storage_origin text,
  -- SHA-256 of the secret kept in platform storage under compagnon_state_<state> (the secret is never stored).
  ADD COLUMN storage_secret_hash text,
  -- When a secret was checked against it: one check per login, right or wrong.
  ADD COLUMN storage_checked_at timestamptz;
