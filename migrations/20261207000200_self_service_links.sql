-- "M'envoyer mon lien": a sign-in link a person asks for, sent by email to their own address
-- (only with SMTP configured; such a message has no event, so no organizer's list shows it).
-- Repeats the kinds of 20261207000100 (identity owners) and adds 'sign_in_link'.
ALTER TABLE outgoing_messages DROP CONSTRAINT outgoing_messages_kind_check;
ALTER TABLE outgoing_messages ADD CONSTRAINT outgoing_messages_kind_check
  CHECK (kind IN ('personal_link', 'attestation_issued', 'attestation_hr_copy', 'attestation_refused', 'attestation_revoked', 'role_granted', 'sign_in_link'));

-- Who handed out a way into an account, outside an event: a link the server's operator printed
-- (npm run person:link), a link a person asked for by email. Never the link itself, nor the
-- email address it went to: the person is named by id.
CREATE TABLE account_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL,
  -- NULL when the actor is not a person in Compagnon (the operator at the server's console).
  actor_id uuid REFERENCES people (id) ON DELETE SET NULL,
  actor_label text NOT NULL CHECK (length(actor_label) BETWEEN 1 AND 100),
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 60),
  subject_person_id uuid REFERENCES people (id) ON DELETE SET NULL,
  details jsonb
);
CREATE INDEX account_audit_subject_idx ON account_audit (subject_person_id, at);
