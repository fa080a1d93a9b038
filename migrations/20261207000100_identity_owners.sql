-- Accounts that staff created and whose first sign-in link staff saw (an invitation, a
-- participant added or imported): the moment such an account gains a registration in an event
-- its creator does not organize, or an LMS identity, its sessions and unused links are revoked
-- and the mark is cleared (src/people/service.ts), so nobody squats an address another event uses.
ALTER TABLE people
  ADD COLUMN staff_provisioned_at timestamptz,
  ADD COLUMN staff_provisioned_by uuid REFERENCES people (id) ON DELETE SET NULL;

-- An existing account given a role by an organizer is told by message, without a sign-in link.
ALTER TABLE outgoing_messages DROP CONSTRAINT outgoing_messages_kind_check;
ALTER TABLE outgoing_messages ADD CONSTRAINT outgoing_messages_kind_check
  CHECK (kind IN ('personal_link', 'attestation_issued', 'attestation_hr_copy', 'attestation_refused', 'attestation_revoked', 'role_granted'));
