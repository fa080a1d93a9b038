-- Counters of the low-rate request limits (sign-in and personal links, "send me my link",
-- account-linking codes, attestation verification, LMS registration), shared by every instance
-- on PostgreSQL (src/http/rate-limit-store.ts). UNLOGGED: no WAL for a counter written on every
-- such request; after a crash PostgreSQL empties the table, which only resets the windows.
CREATE UNLOGGED TABLE rate_limit_counters (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  resets_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_counters_resets_at ON rate_limit_counters (resets_at);
