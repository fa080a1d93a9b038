-- Roles offered to an existing account its inviter cannot see (issue 15): the account belongs to
-- its owner, so the role applies only once they accept it from their own page (/moi). A pending
-- invitation is not a registration: it grants nothing and shows the person to no one.
CREATE TABLE role_invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('organizer', 'door_staff')),
  invited_by uuid REFERENCES people (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  -- 14 days after the (latest) invitation; an expired one can no longer be accepted.
  expires_at timestamptz NOT NULL,
  UNIQUE (event_id, person_id, role)
);
CREATE INDEX role_invitations_person_idx ON role_invitations (person_id);
CREATE INDEX role_invitations_expires_idx ON role_invitations (expires_at);

-- The message that tells the person of such an invitation. It has no event (no organizer's list
-- shows it, so it tells the inviter nothing they cannot already see) and no link.
-- Repeats the kinds of 20261207000200 (self-service links) and adds 'role_invitation'.
ALTER TABLE outgoing_messages DROP CONSTRAINT outgoing_messages_kind_check;
ALTER TABLE outgoing_messages ADD CONSTRAINT outgoing_messages_kind_check
  CHECK (kind IN ('personal_link', 'attestation_issued', 'attestation_hr_copy', 'attestation_refused', 'attestation_revoked', 'role_granted', 'sign_in_link', 'role_invitation'));
