// Issue 15, findings 1 and 2 (identity): an organizer of one event must never obtain a working
// sign-in link to, nor rename, an account that also belongs elsewhere. Two events on one app:
// A (the 2025 fall school) and B (another event); each re-enactment is refused, and the row
// counts show what was (not) written.
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { upsertLtiPerson } from '../../src/lti/service.js'
import type { TestApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { ORIGIN, signInWithLink } from '../helpers/session.js'
import { type Staff, twoEvents, type TwoEvents } from '../helpers/two-events.js'

const TABLES = ['people', 'registrations', 'role_invitations', 'sign_in_links', 'personal_links', 'device_sessions', 'outgoing_messages', 'lti_identities'] as const
/** Anything that would hand out, or reveal, a way into an account. */
const TOKEN = /\/(auth\/link|p)\/[A-Za-z0-9_-]{20,}/

interface World extends TwoEvents {
  /** B's participant (imported by B's organizer), B's credited student and B's instructor (LMS accounts). */
  victims: { participant: string, student: string, instructor: string }
}

async function world (t: { teardown: (fn: () => unknown) => void }): Promise<World> {
  const ctx = await twoEvents(t)
  const { database: { db }, b, orgB } = ctx
  const { participant } = await ctx.services.people.participants.add(orgB.personId, b, { name: 'Paule Participante', email: 'paule@quebec.ca', employer: 'MAMH' })
  const now = ctx.clock.now()
  const student = await upsertLtiPerson(db, { issuer: 'https://lms-b.example', clientId: 'b', subject: 'stu-1' }, { name: 'Sam Student', email: 'sam@etu.example' }, now)
  const instructor = await upsertLtiPerson(db, { issuer: 'https://lms-b.example', clientId: 'b', subject: 'ins-1' }, { name: 'Ines Instructor', email: 'ines@prof.example' }, now)
  await given(ctx).registered(student, 'credited_student', b)
  await given(ctx).registered(instructor, 'instructor', b)
  return { ...ctx, victims: { participant: participant.personId, student, instructor } }
}

const rows = async (w: TestApp): Promise<Record<string, number>> => await countRows(w.database.db, TABLES)
const form = (s: Staff): Record<string, string> => ({ cookie: s.cookie, 'x-csrf-token': s.csrf, origin: ORIGIN, accept: 'text/html' })
const usePersonalLink = async (app: FastifyInstance, url: string): Promise<LightMyRequestResponse> =>
  await app.inject({ method: 'POST', url: '/p', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token: new URL(url).pathname.split('/').pop() ?? '' } })

t.test('inviting the address of an existing account of another event gives the inviter no link and no role: a pending invitation, told without a link', async t => {
  const w = await world(t)
  const targets = [['bruno@autre.ca', w.orgB.personId], ['sam@etu.example', w.victims.student], ['ines@prof.example', w.victims.instructor], ['paule@quebec.ca', w.victims.participant]] as const
  for (const [email, personId] of targets) {
    const before = await rows(w)
    const res = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { email, role: 'organizer' } })
    t.equal(res.statusCode, 200, `${email}: 200, not 201`)
    t.match(res.json(), { created: false, personId, alreadyHeld: false, notified: true, message: /existing account.*without a sign-in link/, messageFr: /compte existant.*sans lien de connexion/ })
    t.notMatch(res.body, TOKEN, `${email}: no link, no token in the answer`)
    t.notOk('url' in res.json())
    t.same(rowDeltas(before, await rows(w)), { role_invitations: 1, outgoing_messages: 1 }, `${email}: an invitation they may accept and its message; no role, no link, no session`)
    t.notOk((await w.services.people.roles(personId)).some(r => r.eventId === w.a), `${email}: no role in A until they accept`)
    const message = await w.database.db.selectFrom('outgoing_messages').selectAll().where('person_id', '=', personId).where('kind', '=', 'role_invitation').executeTakeFirstOrThrow()
    t.notMatch(message.body_text, TOKEN, `${email}: the message carries no link`)
    t.match(message.body_text, /aucun lien de connexion/)
  }

  // The organizer form says so too, and shows no link.
  const before = await rows(w)
  const page = await w.app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: form(w.orgA), payload: { eventId: w.a, email: 'SAM@etu.example', role: 'door_staff' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /SAM@etu.example — Cette adresse appartient à un compte existant/)
  t.notMatch(page.body, TOKEN)
  t.same(rowDeltas(before, await rows(w)), { role_invitations: 1, outgoing_messages: 1 })

  // Inviting again while the invitation waits: renewed, no second message, nothing else.
  const again = await rows(w)
  const repeat = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { email: 'bruno@autre.ca', role: 'organizer' } })
  t.match(repeat.json(), { created: false, alreadyHeld: false, notified: false })
  t.same(rowDeltas(again, await rows(w)), {})
})

t.test('importing another event\'s organizer and participant into event A keeps their details; then every link-issuing and message-reading path is refused or linkless', async t => {
  const w = await world(t)
  const db = w.database.db
  const csv = 'nom;courriel;employeur;langue\nBruno Renamed;BRUNO@autre.ca;Attacker Inc;en\nPaule Renamed;paule@quebec.ca;Attacker Inc;en\nSam Renamed;sam@etu.example;Attacker Inc;en\n'
  const before = await rows(w)
  const imported = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/participants/import`, headers: { ...w.orgA.auth, 'content-type': 'text/csv' }, payload: csv })
  t.equal(imported.statusCode, 200)
  t.match(imported.json(), { added: 0, updated: 0, unchanged: 0, kept: 3 })
  t.same(rowDeltas(before, await rows(w)), { registrations: 3 }, 'registered as participants of A, nothing else')
  const people = await db.selectFrom('people').select(['id', 'display_name', 'employer', 'preferred_locale']).where('id', 'in', [w.orgB.personId, w.victims.participant, w.victims.student]).orderBy('display_name').execute()
  t.same(people.map(p => [p.display_name, p.employer, p.preferred_locale]), [['Bruno B', null, 'fr'], ['Paule Participante', 'MAMH', 'fr'], ['Sam Student', null, 'fr']], 'names, employers and languages untouched')

  // One by one, by API and by form: kept as well.
  const added = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/participants`, headers: w.orgA.auth, payload: { name: 'Paule Again', email: 'paule@quebec.ca', employer: 'X' } })
  t.equal(added.statusCode, 200)
  t.match(added.json(), { outcome: 'kept', participant: { name: 'Paule Participante', employer: 'MAMH' } })
  const addedByForm = await w.app.inject({ method: 'POST', url: `/organisateurs/evenements/${w.a}/participants`, headers: form(w.orgA), payload: { name: 'Ines Renamed', email: 'ines@prof.example' } })
  t.match(addedByForm.body, /Compte existant conservé : Ines Instructor est inscrit·e/)

  const afterImport = await rows(w)
  for (const [who, personId] of [['B\'s organizer', w.orgB.personId], ['B\'s participant', w.victims.participant], ['B\'s student', w.victims.student], ['B\'s instructor', w.victims.instructor]] as const) {
    const api = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/participants/${personId}/personal-link`, headers: w.orgA.auth })
    t.equal(api.statusCode, 409, `${who}: no personal link by API`)
    t.match(api.json(), { message: /does not belong to your events only/, messageFr: /ne relève pas que de vos événements/ })
    const page = await w.app.inject({ method: 'POST', url: `/organisateurs/evenements/${w.a}/participants/${personId}/lien`, headers: form(w.orgA) })
    t.equal(page.statusCode, 409, `${who}: nor by form`)
    t.notMatch(page.body, TOKEN)
    const emailed = await w.app.inject({ method: 'POST', url: `/organisateurs/evenements/${w.a}/participants/${personId}/lien-courriel`, headers: form(w.orgA) })
    t.equal(emailed.statusCode, 409, `${who}: nor stored as a message to pass on`)
    const signOut = await w.app.inject({ method: 'DELETE', url: `/api/v1/events/${w.a}/participants/${personId}/personal-link?signOutEverywhere=true`, headers: w.orgA.auth })
    t.equal(signOut.statusCode, 409, `${who}: nor signed out from A`)
  }
  const messages = await w.app.inject({ url: `/api/v1/events/${w.a}/messages`, headers: w.orgA.auth })
  t.equal(messages.statusCode, 200)
  t.notMatch(messages.body, TOKEN, 'no message of A shows a link')
  t.same(rowDeltas(afterImport, await rows(w)), {}, 'every refusal wrote nothing')

  // Paule now belongs to two events: neither organizer speaks for her account alone any more.
  const own = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.b}/participants/${w.victims.participant}/personal-link`, headers: w.orgB.auth })
  t.equal(own.statusCode, 409, 'B\'s organizer cannot issue her a link either: she gets in by her own means')
})

t.test('a personal link stored for passing on stops working, and is masked, once its account joins another event', async t => {
  const w = await world(t)
  const db = w.database.db
  const { participant } = await w.services.people.participants.add(w.orgA.personId, w.a, { name: 'Nadia Nouvelle', email: 'nadia@quebec.ca' })
  const sent = await w.app.inject({ method: 'POST', url: `/organisateurs/evenements/${w.a}/participants/${participant.personId}/lien-courriel`, headers: form(w.orgA) })
  t.equal(sent.statusCode, 303)
  const stored = (await w.app.inject({ url: `/api/v1/events/${w.a}/messages`, headers: w.orgA.auth })).json().messages[0]
  const url = TOKEN.exec(stored.bodyText)?.[0]
  t.ok(url, 'an account that lives only in A: its stored message shows the link to pass on')
  const phone = await usePersonalLink(w.app, `http://localhost${url ?? ''}`)
  t.equal(phone.statusCode, 303, 'and the link opens a session')

  // B's organizer imports the same address: the account now belongs to B too.
  const res = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.b}/participants/import`, headers: { ...w.orgB.auth, 'content-type': 'text/csv' }, payload: 'nom;courriel\nNadia N.;nadia@quebec.ca\n' })
  t.match(res.json(), { added: 0, kept: 1 }, 'an account of A: registered in B, its details kept')
  const live = await db.selectFrom('device_sessions').select('id').where('person_id', '=', participant.personId).where('revoked_at', 'is', null).execute()
  t.same(live, [], 'the session opened with the link A\'s staff saw is revoked')
  const link = await db.selectFrom('personal_links').select('revoked_at').where('person_id', '=', participant.personId).executeTakeFirstOrThrow()
  t.ok(link.revoked_at, 'and the link itself')
  t.equal((await usePersonalLink(w.app, `http://localhost${url ?? ''}`)).statusCode, 400, 'it no longer works')
  const shown = await w.app.inject({ url: `/api/v1/events/${w.a}/messages`, headers: w.orgA.auth })
  t.notMatch(shown.body, TOKEN, 'A\'s organizer no longer sees it')
  t.match(shown.json().messages[0].bodyText, /\/p\/\[…\]/)
  const page = await w.app.inject({ url: `/organisateurs/messages/${w.a}/${stored.id as string}`, headers: { cookie: w.orgA.cookie, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, TOKEN, 'nor on the message page')
})

t.test('an account created by an invitation loses every session and unused link when it accepts another event\'s role', async t => {
  const w = await world(t)
  const db = w.database.db
  const invited = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.a}/invitations`, headers: w.orgA.auth, payload: { email: 'dora@porte.ca', name: 'Dora Porte', role: 'door_staff' } })
  t.equal(invited.statusCode, 201, 'a brand-new account: its link is for the inviter to pass on')
  const { personId, url } = invited.json()
  const door = await signInWithLink(w.app, url)
  const pending = await w.services.people.handoffLink(personId, 'phone')
  t.ok((await db.selectFrom('people').select('staff_provisioned_at').where('id', '=', personId).executeTakeFirstOrThrow()).staff_provisioned_at, 'marked as provisioned by staff')

  const byB = await w.app.inject({ method: 'POST', url: `/api/v1/events/${w.b}/invitations`, headers: w.orgB.auth, payload: { email: 'dora@porte.ca', role: 'organizer' } })
  t.equal(byB.statusCode, 200)
  t.notMatch(byB.body, TOKEN)
  t.not((await db.selectFrom('device_sessions').select('id').where('person_id', '=', personId).where('revoked_at', 'is', null).execute()).length, 0, 'invited only: nothing is granted, nothing ends')
  // Dora accepts from her own page (A's door device): the role in B applies and seals the account.
  const [invitation] = await w.services.people.pendingRoleInvitations(personId)
  const accepted = await w.app.inject({ method: 'POST', url: `/moi/invitations/${invitation!.id}/accepter`, headers: { cookie: door.cookie, 'x-csrf-token': door.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(accepted.statusCode, 303)
  t.ok(await w.services.people.hasRole(personId, ['organizer'], w.b))
  t.same(await db.selectFrom('device_sessions').select('id').where('person_id', '=', personId).where('revoked_at', 'is', null).execute(), [], 'sessions revoked')
  await t.rejects(w.services.people.checkLink(new URL(pending.url).pathname.split('/').pop() ?? ''), /already used or has expired/, 'unused links too')
  const afterDoor = await w.app.inject({ url: '/accueil', headers: { cookie: door.cookie.replace(/compagnon_session=[^;]*;?\s*/, ''), accept: 'text/html' } })
  t.not(afterDoor.statusCode, 200, 'the door device is signed out')
  t.equal((await db.selectFrom('people').select('staff_provisioned_at').where('id', '=', personId).executeTakeFirstOrThrow()).staff_provisioned_at, null, 'the mark is cleared: the owner gets in by their own means')
})

t.test('LMS launches and roster syncs never attach to an existing account by email', async t => {
  const w = await world(t)
  const db = w.database.db
  const before = await rows(w)
  for (const [email, personId] of [['paule@quebec.ca', w.victims.participant], ['odile@enap.ca', w.orgA.personId]] as const) {
    const found = await upsertLtiPerson(db, { issuer: 'https://lms-evil.example', clientId: 'x', subject: `claims-${email}` }, { name: 'Impostor', email }, w.clock.now())
    t.not(found, personId, `${email}: a separate account`)
    const person = await db.selectFrom('people').select(['email', 'display_name']).where('id', '=', found).executeTakeFirstOrThrow()
    t.same(person, { email: null, display_name: 'Impostor' }, `${email}: without the address`)
  }
  t.same(rowDeltas(before, await rows(w)), { people: 2, lti_identities: 2 })
  t.same((await db.selectFrom('people').select('display_name').where('id', '=', w.victims.participant).executeTakeFirstOrThrow()).display_name, 'Paule Participante')
})
