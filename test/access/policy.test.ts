import t from 'tap'
import { randomUUID } from 'node:crypto'
import { twoEvents } from '../helpers/two-events.js'

t.test('the policy answers per event: an organizer of one event may nothing in the other', async t => {
  const w = await twoEvents(t)
  const policy = w.app.access
  const orgA = { personId: w.orgA.personId }
  t.equal(await policy.can(orgA, 'participants.manage', { kind: 'event', eventId: w.a }), true, 'own event')
  t.equal(await policy.can(orgA, 'participants.manage', { kind: 'event', eventId: w.b }), false, 'the other event')
  t.equal(await policy.can({ personId: w.orgB.personId }, 'privacy.manage', { kind: 'event', eventId: w.a }), false)
  t.equal(await policy.can(null, 'participants.manage', { kind: 'event', eventId: w.a }), false, 'anonymous: nothing')
})

t.test('a thing that does not exist is "missing", not refused, so the handler can say what was not found', async t => {
  const w = await twoEvents(t)
  const orgA = { personId: w.orgA.personId }
  t.equal(await w.app.access.decide(orgA, 'participants.manage', { kind: 'event', eventId: randomUUID() }), 'missing')
  t.equal(await w.app.access.decide(orgA, 'participants.manage', { kind: 'event', eventId: 'pas-un-uuid' }), 'missing', 'a malformed id is not found (no database error)')
  t.equal(await w.app.access.can(orgA, 'attestation.read', { kind: 'attestation', attestationId: randomUUID() }), false)
})

t.test('refusals: 403 with the rule\'s words, 404 for things that are none of the caller\'s business', async t => {
  const w = await twoEvents(t)
  const orgB = { personId: w.orgB.personId }
  const forbidden = await w.app.access.assert(orgB, 'participants.manage', { kind: 'event', eventId: w.a }).then(() => undefined, (err: unknown) => err as { statusCode: number, text: { fr: string, en: string } })
  t.equal(forbidden?.statusCode, 403)
  t.match(forbidden?.text.fr, /équipe d’organisation de cet événement gère ses participant·e·s/)
  t.match(forbidden?.text.en, /organizers of this event/)
  const invitation = (await w.database.db.insertInto('role_invitations')
    .values({ event_id: w.a, person_id: w.orgA.personId, role: 'door_staff', invited_by: null, created_at: w.clock.now(), expires_at: new Date(w.clock.now().getTime() + 86_400_000) })
    .returning('id').executeTakeFirstOrThrow()).id
  t.equal(await w.app.access.can({ personId: w.orgA.personId }, 'role-invitation.answer', { kind: 'role-invitation', invitationId: invitation }), true, 'the invitee')
  const hidden = await w.app.access.assert(orgB, 'role-invitation.answer', { kind: 'role-invitation', invitationId: invitation }).then(() => undefined, (err: unknown) => err as { statusCode: number })
  t.equal(hidden?.statusCode, 404, 'anyone else: it does not exist')
})

t.test('asking about an action on a resource it does not apply to is a programming error', async t => {
  const w = await twoEvents(t)
  await t.rejects(w.app.access.can({ personId: w.orgA.personId }, 'participants.manage', { kind: 'session', sessionId: randomUUID() }), /does not apply to a session/)
})
