// Issue 15: an organizer gives a role at once only to someone they can see (on a class list of
// their event, or registered there and belonging to nothing outside their events). Anyone else —
// another event's organizer, say — gets a pending invitation that grants nothing until they
// accept it from their own page (/moi); it expires after 14 days.
import t from 'tap'
import { moveReferences, personColumns } from '../../src/people/account-links-repository.js'
import { anonymise, plan } from '../../src/privacy/erasure-repository.js'
import type { TestApp } from '../helpers/app.js'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { ORIGIN } from '../helpers/session.js'
import { type Staff, twoEvents, type TwoEvents } from '../helpers/two-events.js'
import { given } from '../helpers/given.js'

const TABLES = ['people', 'registrations', 'role_invitations', 'sign_in_links', 'device_sessions', 'outgoing_messages'] as const
const TOKEN = /\/(auth\/link|p)\/[A-Za-z0-9_-]{20,}/
const DAY = 86_400_000

type World = TwoEvents
const world = twoEvents

const rows = async (w: TestApp): Promise<Record<string, number>> => await countRows(w.database.db, TABLES)
const pageHeaders = (s: Staff): Record<string, string> => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: ORIGIN, accept: 'text/html' })
const inviteBruno = async (w: World): Promise<{ statusCode: number, body: string, json: () => unknown }> =>
  await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { email: 'bruno@autre.ca', role: 'organizer' } })
const invitationIds = (page: string): string[] => [...page.matchAll(/\/moi\/invitations\/([0-9a-f-]{36})\/accepter/g)].map(m => m[1]!)

t.test('another event\'s organizer invited by email gets a pending invitation that grants nothing, and a linkless message only they see', async t => {
  const w = await world(t)
  const db = w.database.db
  const before = await rows(w)
  const res = await inviteBruno(w)
  t.equal(res.statusCode, 200)
  t.match(res.json(), { created: false, personId: w.orgB.personId, alreadyHeld: false, notified: true, message: /existing account.*without a sign-in link.*once they accept/, messageFr: /compte existant.*sans lien de connexion.*quand elle l’accepte/ })
  t.notMatch(res.body, TOKEN)
  t.same(rowDeltas(before, await rows(w)), { role_invitations: 1, outgoing_messages: 1 }, 'an invitation and its message; no registration, no link')
  t.same(await w.services.people.roles(w.orgB.personId), [{ eventId: w.b, role: 'organizer' }], 'B holds no role in A')
  t.notOk(await w.services.people.hasRole(w.orgB.personId, ['organizer'], w.a))

  const message = await db.selectFrom('outgoing_messages').selectAll().where('person_id', '=', w.orgB.personId).executeTakeFirstOrThrow()
  t.match(message, { kind: 'role_invitation', event_id: null, subject: /Invitation à un rôle/ })
  t.match(message.body_text, /Odile A vous invite à prendre le rôle d’organisateur·trice pour « .+ »/)
  t.match(message.body_text, /acceptez ou refusez l’invitation sous « Ma page ».*14 jours/s)
  t.notMatch(message.body_text, TOKEN, 'the message carries no link')

  // A's organizer sees no trace of B in the event: no team member, no stored message.
  const page = await w.app.inject({ url: '/organisateurs', headers: { cookie: w.orgA.cookie, accept: 'text/html' } })
  t.notMatch(page.body, /Bruno B|bruno@autre\.ca/, 'A\'s organizer area does not list B')
  const messages = await w.app.inject({ url: `/api/v1/events/${w.a}/messages`, headers: w.orgA.auth })
  t.equal(messages.statusCode, 200)
  t.notMatch(messages.body, /Bruno|bruno@autre/, 'nor A\'s stored messages')

  // Inviting again renews the invitation; no second message.
  const again = await rows(w)
  w.clock.advance(DAY)
  t.match((await inviteBruno(w)).json(), { created: false, alreadyHeld: false, notified: false })
  t.same(rowDeltas(again, await rows(w)), {})
})

t.test('the invitee accepts from /moi: the role applies, recorded as given by the inviter', async t => {
  const w = await world(t)
  await inviteBruno(w)
  const moi = await w.app.inject({ url: '/moi?lang=fr', headers: { cookie: w.orgB.cookie, accept: 'text/html' } })
  t.match(moi.body, /Invitations à un rôle/)
  t.match(moi.body, /Odile A — organisateur·trice — /)
  t.match(moi.body, />Accepter</)
  t.match(moi.body, />Refuser</)
  const [id] = invitationIds(moi.body)
  t.ok(id, 'an accept form for the invitation')

  // Not by another person, nor from another site, nor without the CSRF token.
  const byA = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/accepter`, headers: pageHeaders(w.orgA) })
  t.equal(byA.statusCode, 404, 'the inviter cannot accept it for B')
  t.match(byA.body, /Cette invitation n’existe plus/)
  const crossSite = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/accepter`, headers: { ...pageHeaders(w.orgB), origin: 'https://evil.example' } })
  t.equal(crossSite.statusCode, 403)
  const noToken = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/accepter`, headers: { cookie: w.orgB.cookie, origin: ORIGIN, accept: 'text/html' } })
  t.equal(noToken.statusCode, 403)
  t.same(await w.services.people.roles(w.orgB.personId), [{ eventId: w.b, role: 'organizer' }], 'still nothing granted')

  const before = await rows(w)
  const accepted = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/accepter?lang=fr`, headers: pageHeaders(w.orgB) })
  t.equal(accepted.statusCode, 303)
  t.equal(accepted.headers.location, '/moi?lang=fr')
  t.same(rowDeltas(before, await rows(w)), { registrations: 1, role_invitations: -1 })
  t.ok(await w.services.people.hasRole(w.orgB.personId, ['organizer'], w.a), 'B now organizes A')
  const registration = await w.database.db.selectFrom('registrations').selectAll().where('person_id', '=', w.orgB.personId).where('event_id', '=', w.a).executeTakeFirstOrThrow()
  t.equal(registration.created_by, w.orgA.personId, 'recorded as given by the inviter')
  const after = await w.app.inject({ url: '/moi', headers: { cookie: w.orgB.cookie, accept: 'text/html' } })
  t.notMatch(after.body, /Invitations à un rôle|Role invitations/, 'no invitation left to answer')
  const twice = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/accepter`, headers: pageHeaders(w.orgB) })
  t.equal(twice.statusCode, 404, 'an answered invitation is gone')
})

t.test('the invitee declines: the invitation goes, nothing else changes', async t => {
  const w = await world(t)
  await inviteBruno(w)
  const moi = await w.app.inject({ url: '/moi?lang=en', headers: { cookie: w.orgB.cookie, accept: 'text/html' } })
  t.match(moi.body, /Role invitations/)
  const [id] = invitationIds(moi.body)
  const before = await rows(w)
  const declined = await w.app.inject({ method: 'POST', url: `/moi/invitations/${id!}/refuser?lang=en`, headers: pageHeaders(w.orgB) })
  t.equal(declined.statusCode, 303)
  t.same(rowDeltas(before, await rows(w)), { role_invitations: -1 })
  t.same(await w.services.people.roles(w.orgB.personId), [{ eventId: w.b, role: 'organizer' }])
})

t.test('a pending invitation expires after 14 days: no longer listed, and accepting it is refused with nothing changed', async t => {
  const w = await world(t)
  await inviteBruno(w)
  const [pending] = await w.services.people.pendingRoleInvitations(w.orgB.personId)
  t.ok(pending)
  w.clock.advance(14 * DAY - 1000)
  t.equal((await w.services.people.pendingRoleInvitations(w.orgB.personId)).length, 1, 'still open just before 14 days')
  w.clock.advance(1000)
  t.same(await w.services.people.pendingRoleInvitations(w.orgB.personId), [], 'expired at 14 days')
  const before = await rows(w)
  const refusal = await w.services.people.answerRoleInvitation(w.orgB.personId, pending!.id, true).then(() => undefined, (err: unknown) => err)
  t.match(refusal, { statusCode: 404, text: { fr: /a expiré \(14 jours\)/, en: /has expired \(14 days\)/ } })
  t.same(rowDeltas(before, await rows(w)), {})
  t.notOk(await w.services.people.hasRole(w.orgB.personId, ['organizer'], w.a))
  // A new invitation clears the expired one and starts again.
  t.match((await inviteBruno(w)).json(), { notified: true })
  t.equal((await w.services.people.pendingRoleInvitations(w.orgB.personId)).length, 1)
})

t.test('a person the inviter can see is still granted at once; a participant who also belongs to another event is asked first', async t => {
  const w = await world(t)
  const { participants } = w.services.people
  const own = (await participants.add(w.orgA.personId, w.a, { name: 'Ana Seule', email: 'ana@quebec.ca' })).participant.personId
  const before = await rows(w)
  const granted = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { personId: own, role: 'door_staff' } })
  t.match(granted.json(), { created: false, personId: own, alreadyHeld: false, notified: true })
  t.same(rowDeltas(before, await rows(w)), { registrations: 1, outgoing_messages: 1 }, 'the role at once, told by a role_granted message')
  t.ok(await w.services.people.hasRole(own, ['door_staff'], w.a))

  // B's participant, imported into A as well: registered in A, but not A's alone to hand a role.
  const shared = (await participants.add(w.orgB.personId, w.b, { name: 'Paule Partagée', email: 'paule@quebec.ca' })).participant.personId
  await participants.add(w.orgA.personId, w.a, { name: 'Paule', email: 'paule@quebec.ca' })
  const mid = await rows(w)
  const asked = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { personId: shared, role: 'organizer' } })
  t.match(asked.json(), { created: false, personId: shared, alreadyHeld: false, notified: true })
  t.same(rowDeltas(mid, await rows(w)), { role_invitations: 1, outgoing_messages: 1 })
  t.notOk(await w.services.people.hasRole(shared, ['organizer'], w.a))
})

t.test('erasure removes a pending invitation, the person\'s own export lists it, a merge moves it', async t => {
  const w = await world(t)
  const db = w.database.db
  await inviteBruno(w)
  const own = await w.app.inject({ url: '/api/v1/me/export', headers: w.orgB.auth })
  t.equal(own.statusCode, 200)
  t.match(own.json(), { roleInvitations: [{ event_id: w.a, role: 'organizer', invited_by: w.orgA.personId }] })

  // Another account of B's (a second address) merged into B's main one keeps its invitation.
  const second = await given(w).person({ name: 'Bruno', email: 'bruno.perso@example.com' })
  await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { email: 'bruno.perso@example.com', role: 'door_staff' } })
  await moveReferences(db, await personColumns(db), second.id, w.orgB.personId)
  t.same((await db.selectFrom('role_invitations').select('role').where('person_id', '=', w.orgB.personId).orderBy('role').execute()).map(r => r.role), ['door_staff', 'organizer'], 'the merge reads role_invitations from the catalog')

  t.match(await plan(db, w.orgB.personId), { role_invitations: 2 })
  await db.transaction().execute(async trx => { await anonymise(trx, w.orgB.personId, w.clock.now()) })
  t.equal((await db.selectFrom('role_invitations').select('id').where('person_id', '=', w.orgB.personId).execute()).length, 0, 'erased')
})
